using System.Collections.Concurrent;

namespace Tracevault.Storage.Traces;

/// <summary>What one read could not give back because chunks are damaged: the chunks, and the ids of the traces it left out for them.</summary>
/// <remarks>Thread-safe: a read spread over the cores adds to it from several threads.</remarks>
public sealed class ReadDamage
{
    private readonly ConcurrentDictionary<long, DamagedChunk> _chunks = new();
    private readonly ConcurrentDictionary<string, byte> _traceIds = new(StringComparer.Ordinal);

    /// <summary>The damaged chunks the read met, each once.</summary>
    public IReadOnlyCollection<DamagedChunk> Chunks => _chunks.Values.OrderBy(c => c.ChunkId).ToList();

    /// <summary>The ids of the traces the read knows it could not read whole, and so left out.</summary>
    public IReadOnlyCollection<string> TraceIds => _traceIds.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>How many traces the damaged chunks the read met hold that cannot be read (ids known or not).</summary>
    public int Traces => _chunks.Values.Sum(c => c.Traces);

    /// <summary>Whether the read met no damage.</summary>
    public bool IsEmpty => _chunks.IsEmpty;

    /// <summary>Records a damaged chunk.</summary>
    public void Add(DamagedChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        _chunks.TryAdd(chunk.ChunkId, chunk);
    }

    /// <summary>Records a trace left out because it is (partly) in a damaged chunk.</summary>
    public void AddTrace(string traceId) => _traceIds.TryAdd(traceId, 0);
}
