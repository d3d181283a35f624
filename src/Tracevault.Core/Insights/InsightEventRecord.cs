using Tracevault.Core.Traces;

namespace Tracevault.Core.Insights;

/// <summary>A change of an insight's impact (the model's <c>InsightEvent</c>).</summary>
/// <param name="EventTime">When it was seen: the end of the minute that showed it, in epoch seconds.</param>
/// <param name="Summary">A sentence describing it.</param>
/// <param name="ClientImpact">The clients' requests in that minute.</param>
/// <param name="RootCauseImpact">The root cause service's requests in that minute.</param>
/// <param name="TopAnomalousServices">The services anomalous in that minute, most significant first.</param>
public sealed record InsightEventRecord(long EventTime, string Summary, RequestImpact ClientImpact, RequestImpact RootCauseImpact, IReadOnlyList<ServiceId> TopAnomalousServices);
