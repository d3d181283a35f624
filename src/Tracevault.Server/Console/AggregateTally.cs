using Tracevault.Core.Traces.Graphs;
using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Server.Console;

/// <summary>Kept statistics summed (or taken away) across minutes for the console: outcome counts, total response time and the fixed-bucket histogram.</summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class AggregateTally
{
    private readonly long[] _histogram = new long[ResponseTimeBuckets.Count];

    /// <summary>Requests that succeeded.</summary>
    public long Ok { get; private set; }

    /// <summary>Requests that failed with 4xx other than throttling.</summary>
    public long OtherErrors { get; private set; }

    /// <summary>Requests throttled (429).</summary>
    public long Throttles { get; private set; }

    /// <summary>Requests that failed with a 5xx fault.</summary>
    public long Faults { get; private set; }

    /// <summary>All completed requests.</summary>
    public long Total => Ok + OtherErrors + Throttles + Faults;

    /// <summary>The sum of their response times, in seconds.</summary>
    public double TotalResponseTime { get; private set; }

    /// <summary>The counts per bucket of <see cref="ResponseTimeBuckets"/>.</summary>
    public IReadOnlyList<long> Histogram => _histogram;

    /// <summary>Adds a kept tally's counts.</summary>
    public void Add(StatisticsTally tally)
    {
        ArgumentNullException.ThrowIfNull(tally);
        Ok += tally.Ok;
        OtherErrors += tally.OtherErrors;
        Throttles += tally.Throttles;
        Faults += tally.Faults;
        TotalResponseTime += tally.TotalResponseTime;
        for (var i = 0; i < _histogram.Length; i++)
        {
            _histogram[i] += tally.Histogram[i];
        }
    }

    /// <summary>Adds another aggregate's counts.</summary>
    public void Add(AggregateTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Ok += other.Ok;
        OtherErrors += other.OtherErrors;
        Throttles += other.Throttles;
        Faults += other.Faults;
        TotalResponseTime += other.TotalResponseTime;
        for (var i = 0; i < _histogram.Length; i++)
        {
            _histogram[i] += other._histogram[i];
        }
    }

    /// <summary>A copy with the counts of <paramref name="others"/> taken away, none below zero.</summary>
    public AggregateTally Without(IEnumerable<AggregateTally> others)
    {
        ArgumentNullException.ThrowIfNull(others);
        var rest = new AggregateTally();
        rest.Add(this);
        foreach (var other in others)
        {
            rest.Ok = Math.Max(0, rest.Ok - other.Ok);
            rest.OtherErrors = Math.Max(0, rest.OtherErrors - other.OtherErrors);
            rest.Throttles = Math.Max(0, rest.Throttles - other.Throttles);
            rest.Faults = Math.Max(0, rest.Faults - other.Faults);
            rest.TotalResponseTime = Math.Max(0, rest.TotalResponseTime - other.TotalResponseTime);
            for (var i = 0; i < _histogram.Length; i++)
            {
                rest._histogram[i] = Math.Max(0, rest._histogram[i] - other._histogram[i]);
            }
        }

        return rest;
    }

    /// <summary>The counts in the service graph's shape.</summary>
    public RequestStatistics ToStatistics() => new(
        Ok,
        new ErrorStatistics(Throttles, OtherErrors, Throttles + OtherErrors),
        new FaultStatistics(Faults, Faults),
        Total,
        Math.Round(TotalResponseTime, 6));

    /// <summary>The non-empty buckets, each reported by its upper bound in seconds.</summary>
    public IReadOnlyList<HistogramEntry> ToHistogram() =>
        [.. _histogram.Select((count, i) => (count, i)).Where(b => b.count > 0).Select(b => new HistogramEntry(ResponseTimeBuckets.UpperBounds[b.i], (int)Math.Min(int.MaxValue, b.count)))];
}
