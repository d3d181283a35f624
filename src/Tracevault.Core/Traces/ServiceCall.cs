namespace Tracevault.Core.Traces;

/// <summary>One call from a service to a downstream service in a trace: an edge of the service graph.</summary>
/// <param name="Caller">The calling service.</param>
/// <param name="Callee">The called service.</param>
/// <param name="Entity">The entity that describes the call's outcome and timing: the callee's segment, or the caller's subsegment for an inferred callee.</param>
public sealed record ServiceCall(TraceService Caller, TraceService Callee, TraceEntity Entity);
