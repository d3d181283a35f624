namespace Tracevault.Keys.Audit;

/// <summary>The outcome of walking the audit chain and checking it against its sealed head.</summary>
/// <param name="Verified">Whether every record's link and the sealed head matched.</param>
/// <param name="Records">How many records were checked (up to the first broken one).</param>
/// <param name="LastEventTime">The event time of the last record checked, or null when none was.</param>
/// <param name="BrokenEventId">The event id of the first record whose link does not match, or null.</param>
/// <param name="Problem">What is wrong, in one sentence, or null when the chain verified.</param>
public sealed record AuditVerification(bool Verified, long Records, DateTimeOffset? LastEventTime, string? BrokenEventId, string? Problem);
