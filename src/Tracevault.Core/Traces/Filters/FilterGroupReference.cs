namespace Tracevault.Core.Traces.Filters;

/// <summary>A group a filter expression names with <c>group.name = "…"</c> or <c>group.arn = "…"</c>.</summary>
/// <param name="ByArn">Whether it was named by ARN (<c>group.arn</c>) rather than by name.</param>
/// <param name="Value">The name or ARN as written.</param>
public sealed record FilterGroupReference(bool ByArn, string Value);
