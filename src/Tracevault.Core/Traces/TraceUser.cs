namespace Tracevault.Core.Traces;

/// <summary>A user recorded by a segment of the trace and the services the user's request hit.</summary>
/// <param name="UserName">The segment's <c>user</c> value.</param>
/// <param name="ServiceIds">The services whose segments named the user.</param>
public sealed record TraceUser(string UserName, IReadOnlyList<ServiceId> ServiceIds);
