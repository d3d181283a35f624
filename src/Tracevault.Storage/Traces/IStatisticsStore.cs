namespace Tracevault.Storage.Traces;

/// <summary>Where the sealed per-minute statistics written with chunks (<see cref="StoredChunk.Statistics"/>) are found again.</summary>
/// <remarks>They are appended with their chunk by <see cref="ITraceStore.AppendAsync"/> and deleted with it by <see cref="ITraceStore.DeleteOlderThanAsync"/>.</remarks>
public interface IStatisticsStore
{
    /// <summary>The statistics of an account whose minute lies in <c>[fromMinute, toMinute)</c>, oldest minute first.</summary>
    Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken);
}
