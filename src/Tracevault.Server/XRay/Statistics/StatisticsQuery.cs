using Tracevault.Core.Traces.Filters;

namespace Tracevault.Server.XRay.Statistics;

/// <summary>What a statistics read covers: a range cut into periods, a page of it, and the group whose traces it is scoped to.</summary>
/// <param name="Start">The first period's first second, epoch seconds (a whole minute).</param>
/// <param name="End">The end of the range, exclusive, epoch seconds (a whole minute).</param>
/// <param name="Period">The period's length in seconds, a positive multiple of 60.</param>
/// <param name="PageStart">The first period of this page (<paramref name="Start"/> for the first page).</param>
/// <param name="Group">The group's filter expression, or <see langword="null"/> for every trace.</param>
/// <param name="HistoryPeriods">How many periods before <paramref name="PageStart"/> to read as well (for forecasts), 0 for none.</param>
public sealed record StatisticsQuery(long Start, long End, long Period, long PageStart, FilterExpression? Group, int HistoryPeriods);
