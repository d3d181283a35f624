namespace Tracevault.Storage.Traces;

/// <summary>
/// A consistent view of a trace store for a read made in several steps: every chunk it finds it can still load, though
/// retention deletes chunks meanwhile, and no chunk written meanwhile shows up in it.
/// </summary>
public interface ITraceSnapshot : IAsyncDisposable
{
    /// <summary>The headers of the chunks of an account whose time range overlaps <c>[fromSecond, toSecond)</c>, latest <c>MaxTime</c> first.</summary>
    Task<IReadOnlyList<ChunkHeader>> FindHeadersInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken);

    /// <summary>Loads chunks of an account by id, bodies included.</summary>
    Task<IReadOnlyList<StoredChunk>> LoadAsync(string accountId, IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken);

    /// <summary>How many distinct trace ids the blind index lists for a chunk (what a damaged chunk's loss is counted by).</summary>
    Task<int> CountIndexedTracesAsync(ChunkHeader chunk, CancellationToken cancellationToken);
}
