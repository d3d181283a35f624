using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Storage.Traces;

/// <summary>The minutes of statistics a read could open, and how many it could not.</summary>
/// <param name="Minutes">The opened minutes, oldest first (one per data key that sealed requests in that minute, the sum of its chunks' rows; shared, never changed).</param>
/// <param name="Unreadable">Stored rows (a chunk's minute) that could not be opened: their key is unusable or denied to the reader, or they are damaged.</param>
public sealed record StatisticsRead(IReadOnlyList<MinuteStatistics> Minutes, int Unreadable);
