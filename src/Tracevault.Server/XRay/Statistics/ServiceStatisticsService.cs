using Tracevault.Core.Identity;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay.Statistics;

/// <summary>
/// Per-period statistics of services and edges, for <c>GetTimeSeriesServiceStatistics</c> and the console: from the sealed
/// per-minute statistics written at ingest, or, scoped to a group with a filter expression, from the group's traces.
/// </summary>
/// <remarks>
/// Without a group only the statistics rows of the range are read, never a segment. A group's filter expression is a test on
/// whole traces, which the kept statistics cannot answer: its traces in the range are read and assembled, a window of periods
/// at a time, and a page ends after the window in which <see cref="GroupScanLimit"/> traces have been read. Thread-safe.
/// </remarks>
public sealed class ServiceStatisticsService
{
    /// <summary>The most periods one page covers.</summary>
    public const int PeriodsPerPage = 1_440;

    /// <summary>How many traces a group-scoped page reads, at most, before it answers what it has (whole windows) and a next page.</summary>
    public const int GroupScanLimit = 5_000;

    /// <summary>The shortest window of a group-scoped read, in seconds (whole periods, at least this long).</summary>
    private const long GroupWindowSeconds = 300;

    private readonly StatisticsReader _statistics;
    private readonly TraceReader _traces;

    /// <summary>Creates the service.</summary>
    public ServiceStatisticsService(StatisticsReader statistics, TraceReader traces)
    {
        _statistics = statistics;
        _traces = traces;
    }

    /// <summary>Reads a page of statistics for a caller.</summary>
    public async Task<StatisticsPage> ReadAsync(Caller caller, StatisticsQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        var pageEnd = Math.Min(query.End, query.PageStart + (PeriodsPerPage * query.Period));
        var readFrom = Math.Max(0, query.PageStart - (query.HistoryPeriods * query.Period));
        var periods = new SortedDictionary<long, Dictionary<StatisticsEntity, StatisticsTally>>();
        var unreadable = 0;
        long? next = pageEnd < query.End ? pageEnd : null;
        if (query.Group is null)
        {
            var read = await _statistics.ReadAsync(caller.AccountId, readFrom, pageEnd, caller, cancellationToken).ConfigureAwait(false);
            unreadable = read.Unreadable;
            foreach (var minute in read.Minutes)
            {
                Add(periods, PeriodOf(query, minute.Minute), minute);
            }
        }
        else
        {
            var window = Math.Max(1, (GroupWindowSeconds + query.Period - 1) / query.Period) * query.Period;
            var scanned = 0;
            for (var from = readFrom; from < pageEnd; from += window)
            {
                var to = Math.Min(pageEnd, from + window);
                scanned += await ReadGroupWindowAsync(caller, query, from, to, periods, cancellationToken).ConfigureAwait(false);
                if (scanned >= GroupScanLimit && to < pageEnd && to > query.PageStart)
                {
                    // Whole periods only: the window ends on a period boundary (it starts on one and is whole periods long).
                    next = to;
                    pageEnd = to;
                    break;
                }
            }
        }

        var all = periods.Select(p => new StatisticsPeriod(p.Key, p.Value)).ToList();
        return new StatisticsPage(
            [.. all.Where(p => p.Start >= query.PageStart && p.Start < pageEnd)],
            [.. all.Where(p => p.Start < query.PageStart)],
            unreadable,
            next);
    }

    /// <summary>The first second of the period (of the query's range, extended before it by whole periods) a minute falls in.</summary>
    private static long PeriodOf(StatisticsQuery query, long minute) =>
        query.Start + ((long)Math.Floor((minute - query.Start) / (double)query.Period) * query.Period);

    private static void Add(SortedDictionary<long, Dictionary<StatisticsEntity, StatisticsTally>> periods, long period, MinuteStatistics minute)
    {
        if (!periods.TryGetValue(period, out var entities))
        {
            entities = [];
            periods.Add(period, entities);
        }

        foreach (var (entity, tally) in minute.Entities)
        {
            if (!entities.TryGetValue(entity, out var merged))
            {
                merged = new StatisticsTally();
                entities.Add(entity, merged);
            }

            merged.Merge(tally);
        }
    }

    /// <summary>Tallies the requests started in <c>[from, to)</c> of the traces there that the group picks; answers how many traces it read.</summary>
    private async Task<int> ReadGroupWindowAsync(Caller caller, StatisticsQuery query, long from, long to, SortedDictionary<long, Dictionary<StatisticsEntity, StatisticsTally>> periods, CancellationToken cancellationToken)
    {
        // The range read finds the traces with data in the window; each is then read whole by id, since the group's filter
        // expression is a test on the whole trace, part of which may lie in chunks outside the window.
        var inWindow = await _traces.ReadRangeAsync(caller.AccountId, from, to, caller, cancellationToken).ConfigureAwait(false);
        var ids = inWindow.Keys.ToList();
        if (ids.Count == 0)
        {
            return 0;
        }

        var whole = await _traces.ReadTracesAsync(caller.AccountId, ids, caller, cancellationToken).ConfigureAwait(false);
        var collector = new StatisticsCollector(from, to);
        foreach (var trace in whole
            .AsParallel()
            .Select(t => TraceAssembler.Assemble(t.Key, t.Value.Select(s => s.Document)))
            .Where(query.Group!.Matches)
            .ToList())
        {
            collector.Add(trace);
        }

        foreach (var minute in collector.Minutes)
        {
            Add(periods, PeriodOf(query, minute.Minute), minute);
        }

        return ids.Count;
    }
}
