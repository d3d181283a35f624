namespace Tracevault.Storage.Traces;

/// <summary>Where sealed chunks are kept. Nothing it holds is trace data in the clear.</summary>
public interface ITraceStore
{
    /// <summary>
    /// Ids for <paramref name="count"/> new chunks: positive, never given twice by any writer of the store (another process or
    /// node included), each greater than those this opening gave before. A chunk is sealed under its id, so it is named before it is stored.
    /// </summary>
    Task<IReadOnlyList<long>> NewChunkIdsAsync(int count, CancellationToken cancellationToken);

    /// <summary>Stores chunks with their blind-index entries in one transaction; they are durable when the task completes.</summary>
    Task AppendAsync(IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken);

    /// <summary>
    /// Finds the chunks of an account that hold any of the given blind-index keys (<see cref="TraceIndexHasher"/>), each with
    /// <see cref="StoredChunk.TraceHashes"/> set to the given keys it holds.
    /// </summary>
    Task<IReadOnlyList<StoredChunk>> FindByTraceHashesAsync(string accountId, IReadOnlyCollection<long> traceHashes, CancellationToken cancellationToken);

    /// <summary>Finds the chunks of an account whose time range overlaps <c>[fromSecond, toSecond)</c>, newest first.</summary>
    Task<IReadOnlyList<StoredChunk>> FindInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken);

    /// <summary>Opens a consistent view of the store, for a read made in several steps; dispose it when the read ends.</summary>
    Task<ITraceSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>Stores a compression dictionary; it is durable when the task completes, before any chunk that uses it is appended.</summary>
    Task AddDictionaryAsync(StoredDictionary dictionary, CancellationToken cancellationToken);

    /// <summary>Finds a compression dictionary of an account by id, or null.</summary>
    Task<StoredDictionary?> FindDictionaryAsync(string accountId, long id, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the chunks whose every segment is older than <paramref name="beforeSecond"/>, and the dictionaries created before
    /// it that no chunk has used since a round at least half an hour (of cutoff time) earlier; returns how many chunks.
    /// </summary>
    Task<int> DeleteOlderThanAsync(long beforeSecond, CancellationToken cancellationToken);

    /// <summary>The chunks' data-key references and counts, per account (for diagnostics and tests; no trace data).</summary>
    Task<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>> DataKeyUsageAsync(CancellationToken cancellationToken);
}
