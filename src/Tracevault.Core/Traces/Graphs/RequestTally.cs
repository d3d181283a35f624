namespace Tracevault.Core.Traces.Graphs;

/// <summary>Accumulates the outcomes, times and histograms of requests to one service or edge.</summary>
internal sealed class RequestTally
{
    private readonly SortedDictionary<double, int> _responseTimes = [];
    private readonly SortedDictionary<double, int> _durations = [];
    private long _ok;
    private long _throttled;
    private long _otherErrors;
    private long _faults;
    private double _totalResponseTime;

    public double StartTime { get; private set; } = double.MaxValue;

    public double EndTime { get; private set; } = double.MinValue;

    /// <summary>Counts one request, described by <paramref name="entity"/>, made as part of a trace lasting <paramref name="traceDuration"/> seconds.</summary>
    public void Add(TraceEntity entity, double traceDuration)
    {
        StartTime = Math.Min(StartTime, entity.StartTime);
        EndTime = Math.Max(EndTime, entity.EndTime ?? entity.StartTime);
        if (entity.ResponseTime is not { } responseTime)
        {
            // Statistics count completed requests only.
            return;
        }

        if (entity.Fault)
        {
            _faults++;
        }
        else if (entity.Throttle)
        {
            _throttled++;
        }
        else if (entity.Error)
        {
            _otherErrors++;
        }
        else
        {
            _ok++;
        }

        _totalResponseTime += responseTime;
        Count(_responseTimes, responseTime);
        Count(_durations, traceDuration);
    }

    public RequestStatistics Statistics() => new(
        _ok,
        new ErrorStatistics(_throttled, _otherErrors, _throttled + _otherErrors),
        new FaultStatistics(_faults, _faults),
        _ok + _throttled + _otherErrors + _faults,
        Math.Round(_totalResponseTime, 6));

    public IReadOnlyList<HistogramEntry> ResponseTimeHistogram() => [.. _responseTimes.Select(b => new HistogramEntry(b.Key, b.Value))];

    public IReadOnlyList<HistogramEntry> DurationHistogram() => [.. _durations.Select(b => new HistogramEntry(b.Key, b.Value))];

    private static void Count(SortedDictionary<double, int> histogram, double seconds)
    {
        var bucket = Math.Round(seconds, 3);
        histogram[bucket] = histogram.GetValueOrDefault(bucket) + 1;
    }
}
