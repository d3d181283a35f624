using System.Collections.Concurrent;

namespace Tracevault.Storage.Traces;

/// <summary>
/// What one read could not give back: damaged chunks and the ids of the traces it left out for them, and the keys it could not
/// open data with (disabled, deleted, or no <c>kms:Decrypt</c> for the reader) with the traces it left out for those.
/// </summary>
/// <remarks>Thread-safe: a read spread over the cores adds to it from several threads.</remarks>
public sealed class ReadDamage
{
    private readonly ConcurrentDictionary<long, DamagedChunk> _chunks = new();
    private readonly ConcurrentDictionary<string, byte> _traceIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, UnreadableKey> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _unreadableTraceIds = new(StringComparer.Ordinal);

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

    /// <summary>The keys the read could not open data with, each once, with the traces left out for it.</summary>
    public IReadOnlyList<UnreadableKey> UnreadableKeys => _keys.Values.OrderBy(k => k.KeyArn, StringComparer.Ordinal).ToList();

    /// <summary>How many traces the read left out because their key could not be used.</summary>
    public int UnreadableTraces => _keys.Values.Sum(k => k.Traces);

    /// <summary>The ids of the traces the read knows it left out because their key could not be used (a read by id knows them).</summary>
    public IReadOnlyCollection<string> UnreadableTraceIds => _unreadableTraceIds.Keys.Order(StringComparer.Ordinal).ToList();

    /// <summary>Records traces left out because a key could not be used; a key met again adds its traces to those counted before.</summary>
    public void AddUnreadable(UnreadableKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _keys.AddOrUpdate(key.KeyArn, key, (_, known) => known with { Traces = known.Traces + key.Traces });
    }

    /// <summary>Records a trace left out because a key it is (partly) under could not be used.</summary>
    public void AddUnreadableTrace(string traceId) => _unreadableTraceIds.TryAdd(traceId, 0);
}
