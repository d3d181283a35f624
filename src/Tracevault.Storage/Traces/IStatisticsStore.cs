namespace Tracevault.Storage.Traces;

/// <summary>Where the sealed per-minute statistics written with chunks (<see cref="StoredChunk.Statistics"/>) are found again.</summary>
/// <remarks>They are appended with their chunk by <see cref="ITraceStore.AppendAsync"/> and deleted with it by <see cref="ITraceStore.DeleteOlderThanAsync"/>.</remarks>
public interface IStatisticsStore
{
    /// <summary>The statistics of an account whose minute lies in <c>[fromMinute, toMinute)</c>, oldest minute first.</summary>
    Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="FindStatisticsAsync(string, long, long, CancellationToken)"/>, with the sealed body only of the rows
    /// <paramref name="withBody"/> picks (by chunk id and minute); the others come with an empty body, so a reader that has
    /// opened them already does not load them again.
    /// </summary>
    Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, Func<long, long, bool> withBody, CancellationToken cancellationToken);

    /// <summary>
    /// The <see cref="StatisticsMinuteMark"/> of each minute in <c>[fromMinute, toMinute)</c> that has statistics, oldest first: a
    /// minute's mark changes whenever its rows do (a row added, deleted, or one of each), so a reader lists again only the minutes
    /// whose marks changed.
    /// </summary>
    Task<IReadOnlyList<StatisticsMinuteMark>> FindStatisticsMarksAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken);
}
