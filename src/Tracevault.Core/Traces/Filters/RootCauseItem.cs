namespace Tracevault.Core.Traces.Filters;

/// <summary>One element of a root cause's enumerated list, with what the sub-filter's keywords read from it.</summary>
/// <param name="Index">The element's 0-based position in the list.</param>
/// <param name="Last">Whether it is the last element.</param>
/// <param name="Name">The service's, entity's or exception's name.</param>
/// <param name="Type">The service's type (services only).</param>
/// <param name="Inferred">Whether the service is inferred (services only).</param>
/// <param name="Remote">Whether the entity calls a remote service (entities only).</param>
/// <param name="Coverage">The entity's share of the root segment's response time (response-time entities only).</param>
/// <param name="Message">The exception's message (exceptions only).</param>
internal sealed record RootCauseItem(int Index, bool Last, string? Name, string? Type, bool Inferred, bool Remote, double? Coverage, string? Message);
