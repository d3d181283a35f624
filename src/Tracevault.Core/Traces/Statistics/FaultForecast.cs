namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The fault counts a period is expected to fall between, from the periods before it: their mean fault count λ taken as a
/// Poisson rate, and the bounds λ ± 3√λ (floor and ceiling, never below 0) — about 99.7% of periods of an unchanged service.
/// </summary>
public static class FaultForecast
{
    /// <summary>How many periods before a period its forecast is made from.</summary>
    public const int HistoryPeriods = 10;

    /// <summary>The low and high fault counts expected from the fault counts of the periods before (an empty period counts 0).</summary>
    public static (long Low, long High) From(IReadOnlyCollection<long> previousFaultCounts)
    {
        ArgumentNullException.ThrowIfNull(previousFaultCounts);
        if (previousFaultCounts.Count == 0)
        {
            return (0, 0);
        }

        var mean = previousFaultCounts.Average();
        var spread = 3 * Math.Sqrt(mean);
        return ((long)Math.Max(0, Math.Floor(mean - spread)), (long)Math.Ceiling(mean + spread));
    }
}
