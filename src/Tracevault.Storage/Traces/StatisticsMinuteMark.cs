namespace Tracevault.Storage.Traces;

/// <summary>
/// What a minute of an account's statistics holds, told cheaply (<see cref="IStatisticsStore.FindStatisticsMarksAsync"/>): how
/// many rows, and a digest of their chunk ids that the store makes change whenever the set of rows does.
/// </summary>
/// <param name="Minute">The minute's first second, epoch seconds.</param>
/// <param name="Rows">How many rows (one per chunk) the minute has.</param>
/// <param name="Digest">Of the rows' chunk ids, as the store defines it; compared only with another mark of the same store.</param>
public sealed record StatisticsMinuteMark(long Minute, int Rows, long Digest);
