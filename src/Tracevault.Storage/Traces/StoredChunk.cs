namespace Tracevault.Storage.Traces;

/// <summary>A chunk as stored: its plaintext header fields and its sealed body.</summary>
/// <param name="Id">The chunk id, positive (see <see cref="ChunkIds"/>).</param>
/// <param name="AccountId">The account the segments belong to.</param>
/// <param name="Format">The chunk body's format version.</param>
/// <param name="MinTime">The earliest time any of its segments covers, in epoch seconds, rounded down to the minute.</param>
/// <param name="MaxTime">The latest such time, rounded up to the minute.</param>
/// <param name="DataKeyReference">The data key the body is sealed under.</param>
/// <param name="SealedBody">The compressed, sealed segments.</param>
/// <param name="TraceHashes">
/// The blind-index keys of the trace ids it holds (<see cref="TraceIndexHasher"/>): all of them when it is written; when it is found by
/// <see cref="ITraceStore.FindByTraceHashesAsync"/>, those of the keys asked for that it holds; otherwise none.
/// </param>
public sealed record StoredChunk(long Id, string AccountId, int Format, long MinTime, long MaxTime, string DataKeyReference, byte[] SealedBody, IReadOnlyList<long> TraceHashes)
{
    /// <summary>The compression dictionary its body names, or 0; stored beside it so retention knows which dictionaries are still used.</summary>
    public long DictionaryId { get; init; }

    /// <summary>
    /// The sealed per-minute statistics of the requests written with it (<see cref="StatisticsCodec"/>), stored in the same
    /// transaction and kept as long as it is; set when it is written, empty when it is read.
    /// </summary>
    public IReadOnlyList<SealedMinuteStatistics> Statistics { get; init; } = [];
}
