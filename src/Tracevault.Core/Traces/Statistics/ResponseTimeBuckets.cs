namespace Tracevault.Core.Traces.Statistics;

/// <summary>The fixed response-time buckets of kept statistics: a 1-2-5 series from 1 ms to 10,000 s, the same for every minute, so any two merge by adding counts.</summary>
/// <remarks>
/// A response time counts in the first bucket whose upper bound it does not exceed (22 bounds, so a bucket is at most 2.5 times as
/// wide as the one before); one past 10,000 s counts in the last. A bucket is reported by its upper bound, in seconds.
/// </remarks>
public static class ResponseTimeBuckets
{
    private static readonly double[] Bounds =
    [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000,
    ];

    /// <summary>The buckets' upper bounds, in seconds, ascending.</summary>
    public static IReadOnlyList<double> UpperBounds { get; } = Array.AsReadOnly(Bounds);

    /// <summary>How many buckets there are.</summary>
    public static int Count => UpperBounds.Count;

    /// <summary>The bucket a response time of <paramref name="seconds"/> counts in.</summary>
    public static int IndexOf(double seconds)
    {
        var bounds = Bounds;
        for (var i = 0; i < bounds.Length - 1; i++)
        {
            if (seconds <= bounds[i])
            {
                return i;
            }
        }

        return bounds.Length - 1;
    }
}
