namespace Tracevault.Core.Traces.Graphs;

/// <summary>Requests that failed with a 5xx server fault.</summary>
/// <param name="OtherCount">5xx requests of no tracked kind (here, all of them).</param>
/// <param name="TotalCount">All 5xx requests.</param>
public sealed record FaultStatistics(long OtherCount, long TotalCount);
