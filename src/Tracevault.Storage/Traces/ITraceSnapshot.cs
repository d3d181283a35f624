namespace Tracevault.Storage.Traces;

/// <summary>
/// A consistent view of a trace store for a read made in several steps: every chunk it finds it can still load, though
/// retention deletes chunks meanwhile, and no chunk written meanwhile shows up in it.
/// </summary>
public interface ITraceSnapshot : IDisposable
{
    /// <summary>The headers of the chunks of an account whose time range overlaps <c>[fromSecond, toSecond)</c>, latest <c>MaxTime</c> first.</summary>
    IReadOnlyList<ChunkHeader> FindHeadersInRange(string accountId, long fromSecond, long toSecond);

    /// <summary>Loads chunks of an account by id, bodies included.</summary>
    IReadOnlyList<StoredChunk> Load(string accountId, IReadOnlyCollection<long> chunkIds);

    /// <summary>How many distinct trace ids the blind index lists for a chunk (what a damaged chunk's loss is counted by).</summary>
    int CountIndexedTraces(ChunkHeader chunk);
}
