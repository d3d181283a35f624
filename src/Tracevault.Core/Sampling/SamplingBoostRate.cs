namespace Tracevault.Core.Sampling;

/// <summary>
/// How far a boost raises a rule's rate: from its fixed rate toward the boost's maximum in proportion to the share of anomalous
/// requests the clients reported, reaching the maximum when a tenth or more of the requests were anomalous. Pure.
/// </summary>
public static class SamplingBoostRate
{
    /// <summary>The share of anomalous requests at which a boost gives its whole maximum rate.</summary>
    public const double FullBoostAnomalyShare = 0.1;

    /// <summary>How long a boost lasts once started.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(1);

    /// <summary>The boosted rate for a rule with <paramref name="fixedRate"/> whose clients reported <paramref name="anomalies"/> of <paramref name="total"/> requests anomalous, or null when no boost is due.</summary>
    /// <remarks>No boost is due when nothing anomalous went unsampled, when no request was counted, or when the maximum is not above the fixed rate.</remarks>
    public static double? For(double fixedRate, SamplingRateBoost boost, long anomalies, long sampledAnomalies, long total)
    {
        ArgumentNullException.ThrowIfNull(boost);
        if (anomalies <= sampledAnomalies || total <= 0 || boost.MaxRate <= fixedRate)
        {
            return null;
        }

        var share = Math.Min(1.0, Math.Min(anomalies, total) / (double)total / FullBoostAnomalyShare);
        return Math.Min(boost.MaxRate, fixedRate + ((boost.MaxRate - fixedRate) * share));
    }
}
