using System.Runtime.CompilerServices;
using Tracevault.Core.Traces.Graphs;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>Outcome counts, total response time and a fixed-bucket response-time histogram of completed requests; tallies merge by adding.</summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class StatisticsTally
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

    /// <summary>Counts one request as the service graph does: a fault first, then a throttle, then another error; an in-progress one not at all.</summary>
    public void Add(TraceEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.ResponseTime is not { } responseTime)
        {
            return;
        }

        if (entity.Fault)
        {
            Faults++;
        }
        else if (entity.Throttle)
        {
            Throttles++;
        }
        else if (entity.Error)
        {
            OtherErrors++;
        }
        else
        {
            Ok++;
        }

        TotalResponseTime += responseTime;
        _histogram[ResponseTimeBuckets.IndexOf(responseTime)]++;
    }

    /// <summary>Counts one request of a trace's kept facts, as <see cref="Add(TraceEntity)"/> counts its entity.</summary>
    // Optimized at once: the first map of a range runs it for every request of every trace it picks, before a quicker-compiled
    // first version would be replaced.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(TraceFactsRequest request)
    {
        if (request.ResponseTime is not { } responseTime)
        {
            return;
        }

        var flags = request.Flags;
        if (flags.HasFlag(TraceFactsRequestFlags.Fault))
        {
            Faults++;
        }
        else if (flags.HasFlag(TraceFactsRequestFlags.Throttle))
        {
            Throttles++;
        }
        else if (flags.HasFlag(TraceFactsRequestFlags.Error))
        {
            OtherErrors++;
        }
        else
        {
            Ok++;
        }

        TotalResponseTime += responseTime;
        _histogram[ResponseTimeBuckets.IndexOf(responseTime)]++;
    }

    /// <summary>Adds another tally's counts to this one.</summary>
    public void Merge(StatisticsTally other)
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
    public StatisticsTally Without(IEnumerable<StatisticsTally> others)
    {
        ArgumentNullException.ThrowIfNull(others);
        var rest = new StatisticsTally();
        rest.Merge(this);
        foreach (var other in others)
        {
            rest.Ok = Math.Max(0, rest.Ok - other.Ok);
            rest.OtherErrors = Math.Max(0, rest.OtherErrors - other.OtherErrors);
            rest.Throttles = Math.Max(0, rest.Throttles - other.Throttles);
            rest.Faults = Math.Max(0, rest.Faults - other.Faults);
            rest.TotalResponseTime = Math.Max(0, rest.TotalResponseTime - other.TotalResponseTime);
            for (var i = 0; i < rest._histogram.Length; i++)
            {
                rest._histogram[i] = Math.Max(0, rest._histogram[i] - other._histogram[i]);
            }
        }

        return rest;
    }

    /// <summary>Sets the counts read back from storage.</summary>
    internal void Restore(long ok, long otherErrors, long throttles, long faults, double totalResponseTime, ReadOnlySpan<long> histogram)
    {
        Ok = ok;
        OtherErrors = otherErrors;
        Throttles = throttles;
        Faults = faults;
        TotalResponseTime = totalResponseTime;
        histogram.CopyTo(_histogram);
    }

    /// <summary>The counts in the model's <c>ServiceStatistics</c>/<c>EdgeStatistics</c> shape.</summary>
    public RequestStatistics ToStatistics() => new(
        Ok,
        new ErrorStatistics(Throttles, OtherErrors, Throttles + OtherErrors),
        new FaultStatistics(Faults, Faults),
        Total,
        Math.Round(TotalResponseTime, 6));

    /// <summary>The non-empty buckets, each reported by its upper bound in seconds.</summary>
    public IReadOnlyList<HistogramEntry> ToHistogram()
    {
        var entries = new List<HistogramEntry>();
        for (var i = 0; i < _histogram.Length; i++)
        {
            if (_histogram[i] > 0)
            {
                entries.Add(new HistogramEntry(ResponseTimeBuckets.UpperBounds[i], (int)Math.Min(int.MaxValue, _histogram[i])));
            }
        }

        return entries;
    }
}
