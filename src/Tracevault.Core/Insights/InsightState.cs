using Tracevault.Core.Traces;

namespace Tracevault.Core.Insights;

/// <summary>An insight as the evaluator keeps it: what X-Ray answers about it, and the baseline it is tested against while open.</summary>
/// <param name="InsightId">The insight's id, a version 4 UUID.</param>
/// <param name="StartTime">When the fault rate rose: the first second of the window that opened it, in epoch seconds.</param>
/// <param name="EndTime">When it returned to the baseline (the first quiet minute's first second), or null while active.</param>
/// <param name="RootCause">The service the faulted traces most often name as their fault root cause.</param>
/// <param name="TopAnomalousServices">The services whose fault rate rose, most significant first.</param>
/// <param name="ClientImpact">The clients' requests over the insight's minutes.</param>
/// <param name="RootCauseImpact">The root cause service's requests over the insight's minutes.</param>
/// <param name="Baseline">Each service's requests and faults in the baseline before it opened: frozen, so the anomaly never becomes its own baseline.</param>
/// <param name="QuietMinutes">How many minutes in a row have been quiet.</param>
/// <param name="PendingClientImpact">The clients' requests in those quiet minutes, counted into the insight only if it stays open.</param>
/// <param name="PendingRootCauseImpact">The root cause service's requests in those quiet minutes, likewise.</param>
/// <param name="LastUpdateTime">When it last changed, in epoch seconds.</param>
/// <param name="Summary">A sentence describing it.</param>
/// <param name="ImpactKey">What its last event said, so the next event is recorded only when the impact changes.</param>
public sealed record InsightState(
    string InsightId,
    long StartTime,
    long? EndTime,
    ServiceId? RootCause,
    IReadOnlyList<ServiceId> TopAnomalousServices,
    RequestImpact ClientImpact,
    RequestImpact RootCauseImpact,
    IReadOnlyList<ServiceFaults> Baseline,
    int QuietMinutes,
    RequestImpact PendingClientImpact,
    RequestImpact PendingRootCauseImpact,
    long LastUpdateTime,
    string Summary,
    string ImpactKey)
{
    /// <summary>Whether it is still open (X-Ray's <c>ACTIVE</c>), else <c>CLOSED</c>.</summary>
    public bool Active => EndTime is null;

    /// <summary>X-Ray's name of its state.</summary>
    public string State => Active ? "ACTIVE" : "CLOSED";
}
