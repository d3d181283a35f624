namespace Tracevault.Server.XRay.Statistics;

/// <summary>A page of statistics: the periods with requests, oldest first, what could not be read, and where the next page starts.</summary>
/// <param name="Periods">The periods with requests from the page's first period on, oldest first.</param>
/// <param name="History">The periods with requests read before the page (for forecasts), oldest first.</param>
/// <param name="Unreadable">Stored minutes of statistics that could not be opened (key unusable or denied, or damaged).</param>
/// <param name="NextPageStart">The first period of the next page, or <see langword="null"/> when the range is done.</param>
public sealed record StatisticsPage(IReadOnlyList<StatisticsPeriod> Periods, IReadOnlyList<StatisticsPeriod> History, int Unreadable, long? NextPageStart);
