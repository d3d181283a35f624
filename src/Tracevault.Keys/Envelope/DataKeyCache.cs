using System.Security.Cryptography;

namespace Tracevault.Keys.Envelope;

/// <summary>Plaintext data keys kept in memory, bounded in count and age (as the AWS Encryption SDK's caching limits), zeroed when they leave.</summary>
/// <remarks>
/// The cache owns the bytes it is given and hands out copies, so it can zero its own the moment an entry is evicted (too old, over
/// capacity, or its KMS key destroyed) without pulling a key from under a chunk being sealed or opened with it. When full, the
/// oldest entry goes first. Thread-safe.
/// </remarks>
/// <typeparam name="TKey">What an entry is found by.</typeparam>
public sealed class DataKeyCache<TKey>
    where TKey : notnull
{
    private readonly int _capacity;
    private readonly TimeSpan _maxAge;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<TKey, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _oldestFirst = new();

    /// <summary>Creates a cache of at most <paramref name="capacity"/> keys, each kept at most <paramref name="maxAge"/>.</summary>
    public DataKeyCache(int capacity, TimeSpan maxAge, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxAge, TimeSpan.Zero);
        _capacity = capacity;
        _maxAge = maxAge;
        _time = time;
    }

    /// <summary>How many keys the cache holds now (expired ones included until they are next met).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>A copy of the key cached under <paramref name="key"/>, or null when there is none or it has grown too old (it is zeroed then).</summary>
    public DataKey? Find(TKey key)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var node))
            {
                return null;
            }

            if (_time.GetUtcNow() - node.Value.AddedAt >= _maxAge)
            {
                Remove(node);
                return null;
            }

            return Copy(node.Value.Key);
        }
    }

    /// <summary>Caches <paramref name="dataKey"/> and returns a copy to use; the cache owns the bytes given (they are zeroed on eviction), and a key already cached under <paramref name="key"/> is replaced and zeroed.</summary>
    public DataKey Add(TKey key, DataKey dataKey)
    {
        ArgumentNullException.ThrowIfNull(dataKey);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                Remove(existing);
            }

            // Too old first, then the oldest: a full cache of fresh keys makes room by the key obtained longest ago.
            while (_oldestFirst.First is { } oldest && (now - oldest.Value.AddedAt >= _maxAge || _entries.Count >= _capacity))
            {
                Remove(oldest);
            }

            var node = _oldestFirst.AddLast(new Entry(key, dataKey, now));
            _entries[key] = node;
            return Copy(dataKey);
        }
    }

    /// <summary>Evicts and zeroes every key <paramref name="match"/> selects (e.g. those a destroyed KMS key protected); returns how many.</summary>
    public int Evict(Func<TKey, DataKey, bool> match)
    {
        ArgumentNullException.ThrowIfNull(match);
        lock (_gate)
        {
            var evicted = 0;
            for (var node = _oldestFirst.First; node is not null;)
            {
                var next = node.Next;
                if (match(node.Value.CacheKey, node.Value.Key))
                {
                    Remove(node);
                    evicted++;
                }

                node = next;
            }

            return evicted;
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _oldestFirst.Remove(node);
        _entries.Remove(node.Value.CacheKey);
        CryptographicOperations.ZeroMemory(node.Value.Key.Key);
    }

    private static DataKey Copy(DataKey key) => key with { Key = (byte[])key.Key.Clone() };

    private sealed record Entry(TKey CacheKey, DataKey Key, DateTimeOffset AddedAt);
}
