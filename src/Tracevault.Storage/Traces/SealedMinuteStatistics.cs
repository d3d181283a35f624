namespace Tracevault.Storage.Traces;

/// <summary>One minute of statistics of a chunk, sealed under the chunk's data key.</summary>
/// <param name="Minute">The minute's first second, epoch seconds.</param>
/// <param name="SealedBody">The sealed tallies (<see cref="StatisticsCodec"/>).</param>
public sealed record SealedMinuteStatistics(long Minute, byte[] SealedBody);
