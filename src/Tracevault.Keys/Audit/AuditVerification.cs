namespace Tracevault.Keys.Audit;

/// <summary>The outcome of walking the audit hash chain.</summary>
/// <param name="Verified">Whether every record's hash matched.</param>
/// <param name="Records">How many records were checked (up to the first broken one).</param>
/// <param name="BrokenEventId">The event id of the first record whose hash does not match, or null.</param>
public sealed record AuditVerification(bool Verified, long Records, string? BrokenEventId);
