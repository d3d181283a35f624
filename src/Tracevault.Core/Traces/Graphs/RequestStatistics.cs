namespace Tracevault.Core.Traces.Graphs;

/// <summary>Outcome counts and total response time of completed requests (the model's <c>ServiceStatistics</c> and <c>EdgeStatistics</c>).</summary>
/// <param name="OkCount">Requests that succeeded.</param>
/// <param name="ErrorStatistics">Requests that failed with a 4xx error.</param>
/// <param name="FaultStatistics">Requests that failed with a 5xx fault.</param>
/// <param name="TotalCount">All completed requests.</param>
/// <param name="TotalResponseTime">The sum of their response times, in seconds.</param>
public sealed record RequestStatistics(
    long OkCount, ErrorStatistics ErrorStatistics, FaultStatistics FaultStatistics, long TotalCount, double TotalResponseTime);
