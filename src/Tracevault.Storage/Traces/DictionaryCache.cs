using System.Collections.Concurrent;
using System.Security.Cryptography;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>The compression dictionaries readers opened, so a dictionary is loaded and unsealed once, not once per chunk.</summary>
/// <remarks>
/// A dictionary is handed out only with the data key it is sealed under, which the reader obtained with its own right to it,
/// and only for a chunk whose sealed directory names it. Thread-safe.
/// </remarks>
internal sealed class DictionaryCache(ITraceStore store)
{
    /// <summary>At most this many dictionaries stay open; beyond, the cache starts over (a dictionary is a few tens of KB).</summary>
    private const int Capacity = 256;

    private readonly ConcurrentDictionary<(string AccountId, long Id), CompressionDictionary> _opened = new();

    /// <summary>The dictionary <paramref name="id"/> of an account (<see cref="CompressionDictionary.None"/> for 0), opened with <paramref name="dataKey"/>.</summary>
    public CompressionDictionary Get(string accountId, long id, DataKey dataKey)
    {
        if (id == 0)
        {
            return CompressionDictionary.None;
        }

        if (!_opened.TryGetValue((accountId, id), out var dictionary))
        {
            var stored = store.FindDictionary(accountId, id) ?? throw new InvalidDataException($"Compression dictionary {id} is missing.");
            dictionary = CompressionDictionary.Open(stored, dataKey);
            if (_opened.Count >= Capacity)
            {
                _opened.Clear();
            }

            dictionary = _opened.GetOrAdd((accountId, id), dictionary);
        }

        // A chunk's directory is sealed under its data key, and names its dictionary: one sealed under another key was moved.
        return string.Equals(dictionary.DataKeyReference, dataKey.Reference, StringComparison.Ordinal)
            ? dictionary
            : throw new CryptographicException($"Compression dictionary {id} is sealed under another data key than the chunk naming it.");
    }
}
