namespace Tracevault.Core.Traces;

/// <summary>A service on the path to a root cause, with the entities of the path inside it.</summary>
/// <param name="Id">The service.</param>
/// <param name="EntityPath">The service's entities on the path, outermost first.</param>
/// <param name="Inferred">Whether the service is inferred from a subsegment rather than instrumented.</param>
public sealed record RootCauseService(ServiceId Id, IReadOnlyList<RootCauseEntity> EntityPath, bool Inferred);
