namespace Tracevault.Storage.Traces;

/// <summary>Where sealed chunks are kept. Nothing it holds is trace data in the clear.</summary>
public interface ITraceStore
{
    /// <summary>
    /// Ids for <paramref name="count"/> new chunks: positive, never given twice by any writer of the store (another process or
    /// node included), each greater than those this opening gave before. A chunk is sealed under its id, so it is named before it is stored.
    /// </summary>
    IReadOnlyList<long> NewChunkIds(int count);

    /// <summary>Stores chunks with their blind-index entries in one transaction; they are durable when this returns.</summary>
    void Append(IReadOnlyList<StoredChunk> chunks);

    /// <summary>
    /// Finds the chunks of an account that hold any of the given blind-index keys (<see cref="TraceIndexHasher"/>), each with
    /// <see cref="StoredChunk.TraceHashes"/> set to the given keys it holds.
    /// </summary>
    IReadOnlyList<StoredChunk> FindByTraceHashes(string accountId, IReadOnlyCollection<long> traceHashes);

    /// <summary>Finds the chunks of an account whose time range overlaps <c>[fromSecond, toSecond)</c>, newest first.</summary>
    IReadOnlyList<StoredChunk> FindInRange(string accountId, long fromSecond, long toSecond);

    /// <summary>Opens a consistent view of the store, for a read made in several steps; dispose it when the read ends.</summary>
    ITraceSnapshot OpenSnapshot();

    /// <summary>Stores a compression dictionary; it is durable when this returns, before any chunk that uses it is appended.</summary>
    void AddDictionary(StoredDictionary dictionary);

    /// <summary>Finds a compression dictionary of an account by id, or null.</summary>
    StoredDictionary? FindDictionary(string accountId, long id);

    /// <summary>
    /// Deletes the chunks whose every segment is older than <paramref name="beforeSecond"/>, and the dictionaries created before
    /// it that no chunk has used since a round at least half an hour (of cutoff time) earlier; returns how many chunks.
    /// </summary>
    int DeleteOlderThan(long beforeSecond);

    /// <summary>The chunks' data-key references and counts, per account (for diagnostics and tests; no trace data).</summary>
    IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)> DataKeyUsage();
}
