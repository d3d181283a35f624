using Tracevault.Core.Indexing;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>Tallies the requests of assembled traces per minute, per service and per edge, naming them as the service graph does.</summary>
/// <remarks>
/// A request counts in the minute its entity started in. Each service's entities are its requests (an inferred service's are the
/// subsegments that called it); each call between services is a request on their edge, described by the callee's segment, or by
/// the caller's subsegment when the callee is inferred. The client node's edges are not kept: a service's entry requests are its
/// requests less the calls it received, and a segment whose caller's segment is not among the traces tallied (it names a
/// <c>parent_id</c> found in none of them) counts as a call from <see cref="StatisticsEntity.UnlinkedCaller"/>. Not thread-safe.
/// </remarks>
public sealed class StatisticsCollector
{
    private readonly SortedDictionary<long, MinuteStatistics> _minutes = [];
    private readonly long _fromMinute;
    private readonly long _toMinute;
    private readonly bool _keepsTraceFacts;

    /// <summary>A collector of every minute that also keeps the facts of each trace it is given documents of (as ingest does).</summary>
    public StatisticsCollector()
        : this(long.MinValue, long.MaxValue)
    {
        _keepsTraceFacts = true;
    }

    /// <summary>A collector of the minutes in <c>[fromMinute, toMinute)</c> only, of requests only.</summary>
    public StatisticsCollector(long fromMinute, long toMinute)
    {
        _fromMinute = fromMinute;
        _toMinute = toMinute;
    }

    /// <summary>The minutes with requests, oldest first.</summary>
    public IReadOnlyCollection<MinuteStatistics> Minutes => _minutes.Values;

    /// <summary>
    /// Tallies the segment documents of traces, assembling the documents of each trace together; a collector of every minute also
    /// keeps each trace's <see cref="TraceFacts"/> in the minute it is dated in (<see cref="TraceDates"/>).
    /// </summary>
    public void AddDocuments(IEnumerable<(string TraceId, ReadOnlyMemory<byte> Document)> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        foreach (var trace in documents.GroupBy(d => d.TraceId, StringComparer.Ordinal))
        {
            var assembled = TraceAssembler.Assemble(trace.Key, trace.Select(d => d.Document));
            Add(assembled);
            if (_keepsTraceFacts && assembled.Entities.Count + assembled.Orphans.Count > 0)
            {
                var indexed = trace.Any(d => !TraceIndexing.IsMarkedUnindexed(d.Document.Span));
                var date = TraceDates.Of(assembled.Id, assembled.StartTime);
                MinuteOf(Math.Floor(date / 60.0) * 60).Traces.Add(TraceFacts.From(assembled, indexed));
            }
        }
    }

    /// <summary>Tallies the requests of one trace.</summary>
    public void Add(AssembledTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        foreach (var service in trace.Services)
        {
            var entity = new StatisticsEntity(service.Id, null);
            var unlinked = new StatisticsEntity(StatisticsEntity.UnlinkedCaller, service.Id);
            foreach (var request in service.Entities)
            {
                Tally(entity, request);
                if (request.Kind == TraceEntityKind.Segment && request.Caller is null && request.ParentId is not null)
                {
                    Tally(unlinked, request);
                }
            }
        }

        foreach (var call in trace.Calls)
        {
            Tally(new StatisticsEntity(call.Caller.Id, call.Callee.Id), call.Entity);
        }
    }

    private void Tally(StatisticsEntity entity, TraceEntity request)
    {
        if (request.ResponseTime is null)
        {
            return;
        }

        var minute = (long)Math.Floor(request.StartTime / 60) * 60;
        if (minute < _fromMinute || minute >= _toMinute)
        {
            return;
        }

        MinuteOf(minute).For(entity).Add(request);
    }

    private MinuteStatistics MinuteOf(double start)
    {
        var minute = (long)start;
        if (!_minutes.TryGetValue(minute, out var statistics))
        {
            statistics = new MinuteStatistics(minute) { HasTraceFacts = _keepsTraceFacts };
            _minutes.Add(minute, statistics);
        }

        return statistics;
    }
}
