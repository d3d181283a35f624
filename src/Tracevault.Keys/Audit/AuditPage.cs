namespace Tracevault.Keys.Audit;

/// <summary>One page of a lookup, most recent first.</summary>
/// <param name="Events">The events.</param>
/// <param name="NextSequence">The sequence to continue before, or null on the last page.</param>
public sealed record AuditPage(IReadOnlyList<AuditEvent> Events, long? NextSequence);
