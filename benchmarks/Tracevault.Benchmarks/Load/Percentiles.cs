namespace Tracevault.Benchmarks.Load;

/// <summary>Nearest-rank percentiles of a sample.</summary>
internal static class Percentiles
{
    public static double Of(IReadOnlyList<double> sample, double percentile)
    {
        if (sample.Count == 0)
        {
            return double.NaN;
        }

        var sorted = sample.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
