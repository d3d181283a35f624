namespace Tracevault.Core.Insights;

/// <summary>Requests counted by outcome (the model's <c>RequestImpactStatistics</c>).</summary>
/// <param name="FaultCount">Requests that faulted.</param>
/// <param name="OkCount">Requests that succeeded.</param>
/// <param name="TotalCount">All requests.</param>
public sealed record RequestImpact(long FaultCount, long OkCount, long TotalCount)
{
    /// <summary>No requests.</summary>
    public static readonly RequestImpact None = new(0, 0, 0);

    /// <summary>The counts of both.</summary>
    public RequestImpact Add(RequestImpact other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(FaultCount + other.FaultCount, OkCount + other.OkCount, TotalCount + other.TotalCount);
    }
}
