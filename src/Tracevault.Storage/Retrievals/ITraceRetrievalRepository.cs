namespace Tracevault.Storage.Retrievals;

/// <summary>Trace retrievals, shared by every node: one node starts a retrieval, any node runs it, any node lists it.</summary>
/// <remarks>Each status change is one conditional update, so a cancel and a completion racing on two nodes leave one of them.</remarks>
public interface ITraceRetrievalRepository
{
    /// <summary>Stores a new retrieval.</summary>
    Task AddAsync(TraceRetrieval retrieval, CancellationToken cancellationToken);

    /// <summary>Finds a retrieval of an account by id, or null.</summary>
    Task<TraceRetrieval?> FindAsync(string accountId, string id, CancellationToken cancellationToken);

    /// <summary>Marks the oldest scheduled retrieval of any account running and returns it, or null when none waits; no two callers get the same one.</summary>
    Task<TraceRetrieval?> ClaimNextAsync(long now, CancellationToken cancellationToken);

    /// <summary>Ends a running retrieval as <paramref name="status"/> with the chunks found; false when it is no longer running (cancelled, timed out, gone).</summary>
    Task<bool> FinishAsync(string accountId, string id, RetrievalStatus status, IReadOnlyList<long> chunkIds, long now, CancellationToken cancellationToken);

    /// <summary>Cancels a scheduled or running retrieval; answers its status afterwards, or null when there is no such retrieval.</summary>
    Task<RetrievalStatus?> CancelAsync(string accountId, string id, long now, CancellationToken cancellationToken);

    /// <summary>Times out the retrievals started before <paramref name="timeoutBefore"/> that are not done, and deletes those started before <paramref name="deleteBefore"/>.</summary>
    Task<(int TimedOut, int Deleted)> ExpireAsync(long timeoutBefore, long deleteBefore, CancellationToken cancellationToken);
}
