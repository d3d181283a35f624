namespace Tracevault.Storage.Traces;

/// <summary>One minute of a chunk's statistics as stored: its plaintext place and its sealed tallies.</summary>
/// <param name="ChunkId">The chunk written with it.</param>
/// <param name="AccountId">The account.</param>
/// <param name="Minute">The minute's first second, epoch seconds.</param>
/// <param name="DataKeyReference">The data key it is sealed under (its chunk's).</param>
/// <param name="SealedBody">The sealed tallies.</param>
public sealed record StoredStatistics(long ChunkId, string AccountId, long Minute, string DataKeyReference, byte[] SealedBody);
