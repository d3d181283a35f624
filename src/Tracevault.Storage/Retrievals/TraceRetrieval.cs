namespace Tracevault.Storage.Retrievals;

/// <summary>A trace retrieval as stored: its trace ids sealed, and only blind-index keys and chunk ids in the clear.</summary>
/// <param name="AccountId">The account it reads.</param>
/// <param name="Id">Its id, which is the retrieval token.</param>
/// <param name="CreatedAt">When it was started, epoch seconds.</param>
/// <param name="StartTime">The start of its time range, epoch seconds, inclusive.</param>
/// <param name="EndTime">The end of its time range, epoch seconds, inclusive.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="DataKeyReference">The data key its trace ids are sealed under.</param>
/// <param name="SealedTraceIds">Its trace ids, sealed.</param>
/// <param name="TraceHashes">The blind-index keys its trace ids may be stored under, which find their chunks.</param>
public sealed record TraceRetrieval(
    string AccountId,
    string Id,
    long CreatedAt,
    double StartTime,
    double EndTime,
    RetrievalStatus Status,
    string DataKeyReference,
    byte[] SealedTraceIds,
    IReadOnlyList<long> TraceHashes)
{
    /// <summary>The chunks that hold its traces in its time range, once it is complete.</summary>
    public IReadOnlyList<long> ChunkIds { get; init; } = [];
}
