namespace Tracevault.Keys.Audit;

/// <summary>The append-only trail of CloudTrail-format records, chained and sealed by <see cref="AuditChain"/>, with the key usage counted alongside.</summary>
/// <remarks>A call that changes keys, aliases or grants appends its records through <see cref="Kms.IKeyChanges.Commit"/> instead, so change and record commit together.</remarks>
public interface IAuditLog
{
    /// <summary>Appends the records of a call that changed nothing (and counts the usage) in one transaction, each chained to the one before and the head sealed anew.</summary>
    void Append(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage);

    /// <summary>Finds records of one account's trail, most recent first.</summary>
    AuditPage Lookup(AuditQuery query);

    /// <summary>Walks the whole chain, checks it against the sealed head, and reports the first record that does not match or a chain shorter than its head.</summary>
    AuditVerification Verify();

    /// <summary>Finds a key's most recent successful cryptographic operation, as its trail records it; null when it has none.</summary>
    /// <remarks>One indexed read: the last use of each key is kept as its records are appended (<see cref="KeyUsageIncrement.LastUses"/>), and was gathered from the trail once when the store was upgraded.</remarks>
    KeyLastUse? FindKeyLastUse(string keyArn);

    /// <summary>Reads an account's key usage, of one month (<c>yyyy-MM</c>) or of all when null.</summary>
    IReadOnlyList<KeyUsage> ReadUsage(string accountId, string? month);
}
