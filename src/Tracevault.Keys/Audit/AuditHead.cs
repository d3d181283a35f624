namespace Tracevault.Keys.Audit;

/// <summary>The head of the audit chain, sealed by <see cref="AuditChain.Seal"/> and rewritten with every append, so a shortened chain no longer matches it.</summary>
/// <param name="Records">How many records the chain holds (the last sequence number).</param>
/// <param name="LastLink">The last record's link, or <see cref="AuditChain.Genesis"/> when there is none.</param>
/// <param name="LastEventTime">The last record's event time, or null when there is none.</param>
/// <param name="MigratedRecords">How many records of the first, unkeyed format were re-chained under the key when the database was migrated.</param>
/// <param name="Damage">What was found wrong with the chain when records were migrated or appended (a record that did not match, a missing or outrun head), or null: once set, it stays.</param>
/// <param name="KeyId">The root key whose chain key sealed the head.</param>
public sealed record AuditHead(long Records, byte[] LastLink, DateTimeOffset? LastEventTime, long MigratedRecords, string? Damage, int KeyId);
