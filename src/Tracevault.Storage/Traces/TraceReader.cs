using Tracevault.Core.Identity;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>Reads trace data back: finds chunks by blind index or time range, opens them with the reader's right to their data keys.</summary>
/// <remarks>A chunk the reader may not open fails the whole read with <see cref="DataKeyAccessException"/>: never partial plaintext.</remarks>
public sealed class TraceReader
{
    private readonly ITraceStore _store;
    private readonly IDataKeySource _dataKeys;
    private readonly DefaultDataKeys _indexKeys;

    /// <summary>Creates the reader.</summary>
    public TraceReader(ITraceStore store, IDataKeySource dataKeys, DefaultDataKeys indexKeys)
    {
        _store = store;
        _dataKeys = dataKeys;
        _indexKeys = indexKeys;
    }

    /// <summary>The segments of the given traces, by trace id; traces with no segments are absent.</summary>
    public Dictionary<string, List<ChunkSegment>> ReadTraces(string accountId, IReadOnlyCollection<string> traceIds, Caller reader)
    {
        var indexKey = _indexKeys.TraceIndexKey(accountId);
        var wanted = new HashSet<string>(traceIds, StringComparer.Ordinal);
        var chunks = _store.FindByTraceHashes(accountId, wanted.Select(id => TraceIndexHasher.Hash(indexKey, id)).ToHashSet());
        var result = new Dictionary<string, List<ChunkSegment>>(StringComparer.Ordinal);
        foreach (var segment in Open(chunks, accountId, reader))
        {
            if (wanted.Contains(segment.TraceId))
            {
                Add(result, segment);
            }
        }

        return result;
    }

    /// <summary>The segments of every trace with data in <c>[fromSecond, toSecond)</c>, by trace id.</summary>
    public Dictionary<string, List<ChunkSegment>> ReadRange(string accountId, long fromSecond, long toSecond, Caller reader)
    {
        var chunks = _store.FindInRange(accountId, fromSecond, toSecond);
        var result = new Dictionary<string, List<ChunkSegment>>(StringComparer.Ordinal);
        foreach (var segment in Open(chunks, accountId, reader))
        {
            Add(result, segment);
        }

        return result;
    }

    private List<ChunkSegment> Open(IReadOnlyList<StoredChunk> chunks, string accountId, Caller reader)
    {
        // Open every chunk before yielding anything, so a denied key refuses the whole read.
        var keys = new Dictionary<string, DataKey>(StringComparer.Ordinal);
        foreach (var reference in chunks.Select(c => c.DataKeyReference).Distinct(StringComparer.Ordinal))
        {
            keys[reference] = _dataKeys.ForOpening(accountId, reference, reader);
        }

        // Opening is decryption and decompression, independent per chunk: spread it over the cores.
        return chunks.Count <= 1
            ? chunks.SelectMany(chunk => ChunkCodec.Open(chunk, keys[chunk.DataKeyReference])).ToList()
            : chunks.AsParallel().SelectMany(chunk => ChunkCodec.Open(chunk, keys[chunk.DataKeyReference])).ToList();
    }

    private static void Add(Dictionary<string, List<ChunkSegment>> result, ChunkSegment segment)
    {
        if (!result.TryGetValue(segment.TraceId, out var list))
        {
            result[segment.TraceId] = list = [];
        }

        list.Add(segment);
    }
}
