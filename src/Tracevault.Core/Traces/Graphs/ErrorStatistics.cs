namespace Tracevault.Core.Traces.Graphs;

/// <summary>Requests that failed with a 4xx client error.</summary>
/// <param name="ThrottleCount">Requests throttled with 429.</param>
/// <param name="OtherCount">Other 4xx requests.</param>
/// <param name="TotalCount">All 4xx requests.</param>
public sealed record ErrorStatistics(long ThrottleCount, long OtherCount, long TotalCount);
