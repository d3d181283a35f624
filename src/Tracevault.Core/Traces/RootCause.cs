namespace Tracevault.Core.Traces;

/// <summary>The path from the entry point to the deepest entity that faulted or erred, or that took the time (the model's <c>FaultRootCause</c>, <c>ErrorRootCause</c> and <c>ResponseTimeRootCause</c>).</summary>
/// <param name="Services">The services on the path, entry point first, root cause last.</param>
/// <param name="ClientImpacting">Whether the failure reached the client, i.e. the root segment failed too.</param>
public sealed record RootCause(IReadOnlyList<RootCauseService> Services, bool ClientImpacting);
