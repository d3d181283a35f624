namespace Tracevault.Storage.Traces;

/// <summary>What a minute of an account's statistics holds, told cheaply (<see cref="IStatisticsStore.FindStatisticsMarksAsync"/>): how many rows, and the greatest chunk id among them.</summary>
/// <param name="Minute">The minute's first second, epoch seconds.</param>
/// <param name="Rows">How many rows (one per chunk) the minute has.</param>
/// <param name="LastChunkId">The greatest chunk id of those rows.</param>
public sealed record StatisticsMinuteMark(long Minute, int Rows, long LastChunkId)
{
    /// <summary>The mark of a minute's rows as listed.</summary>
    public static StatisticsMinuteMark Of(long minute, IReadOnlyCollection<StoredStatistics> rows) => new(minute, rows.Count, rows.Max(r => r.ChunkId));
}
