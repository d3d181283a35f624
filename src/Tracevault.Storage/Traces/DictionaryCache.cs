using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>The compression dictionaries readers opened, so a dictionary is loaded and unsealed once, not once per chunk.</summary>
/// <remarks>
/// A dictionary is handed out only with the data key it is sealed under, which the reader obtained with its own right to it,
/// and only for a chunk whose sealed directory names it. A read loads the dictionaries its chunks name (beside each chunk in
/// the store) before it opens them, so opening, spread over the cores, never waits on the store. Thread-safe.
/// </remarks>
internal sealed class DictionaryCache(ITraceStore store)
{
    /// <summary>At most this many dictionaries stay open; beyond, the cache starts over (a dictionary is a few tens of KB).</summary>
    private const int Capacity = 256;

    private readonly ConcurrentDictionary<(string AccountId, long Id), CompressionDictionary> _opened = new();

    /// <summary>
    /// Loads into <paramref name="into"/> the dictionaries the given chunks name, each opened with its chunk's data key. One that
    /// is missing or does not open is remembered as such, and fails the chunks that use it when they are opened (as damage).
    /// </summary>
    public async Task LoadAsync(string accountId, IEnumerable<(long DictionaryId, DataKey DataKey)> uses, Loaded into, CancellationToken cancellationToken)
    {
        foreach (var (id, dataKey) in uses.Where(use => use.DictionaryId != 0).DistinctBy(use => (use.DictionaryId, use.DataKey.Reference)))
        {
            if (into.Contains(id, dataKey))
            {
                continue;
            }

            if (!_opened.TryGetValue((accountId, id), out var dictionary))
            {
                var stored = await store.FindDictionaryAsync(accountId, id, cancellationToken).ConfigureAwait(false);
                try
                {
                    dictionary = CompressionDictionary.Open(stored ?? throw new InvalidDataException($"Compression dictionary {id} is missing."), dataKey);
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    into.Fail(id, dataKey, exception);
                    continue;
                }

                if (_opened.Count >= Capacity)
                {
                    _opened.Clear();
                }

                dictionary = _opened.GetOrAdd((accountId, id), dictionary);
            }

            into.Add(id, dataKey, dictionary);
        }
    }

    /// <summary>The dictionaries a read loaded, by id and the data key of the chunk that names it. Thread-safe.</summary>
    internal sealed class Loaded
    {
        private readonly ConcurrentDictionary<(long Id, string DataKeyReference), CompressionDictionary> _dictionaries = new();
        private readonly ConcurrentDictionary<(long Id, string DataKeyReference), ExceptionDispatchInfo> _failures = new();

        /// <summary>The dictionary <paramref name="id"/> (<see cref="CompressionDictionary.None"/> for 0) for a chunk sealed under <paramref name="dataKey"/>.</summary>
        public CompressionDictionary Get(long id, DataKey dataKey)
        {
            if (id == 0)
            {
                return CompressionDictionary.None;
            }

            if (_failures.TryGetValue((id, dataKey.Reference), out var failure))
            {
                failure.Throw();
            }

            if (!_dictionaries.TryGetValue((id, dataKey.Reference), out var dictionary))
            {
                // The chunk's sealed directory names another dictionary than its row in the store: it was altered.
                throw new InvalidDataException($"Compression dictionary {id} is not the one its chunk is stored with.");
            }

            // A chunk's directory is sealed under its data key, and names its dictionary: one sealed under another key was moved.
            return string.Equals(dictionary.DataKeyReference, dataKey.Reference, StringComparison.Ordinal)
                ? dictionary
                : throw new CryptographicException($"Compression dictionary {id} is sealed under another data key than the chunk naming it.");
        }

        internal bool Contains(long id, DataKey dataKey) => _dictionaries.ContainsKey((id, dataKey.Reference)) || _failures.ContainsKey((id, dataKey.Reference));

        internal void Add(long id, DataKey dataKey, CompressionDictionary dictionary) => _dictionaries[(id, dataKey.Reference)] = dictionary;

        internal void Fail(long id, DataKey dataKey, Exception exception) => _failures[(id, dataKey.Reference)] = ExceptionDispatchInfo.Capture(exception);
    }
}
