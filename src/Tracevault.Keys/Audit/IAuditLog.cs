namespace Tracevault.Keys.Audit;

/// <summary>The append-only, hash-chained trail of CloudTrail-format records, with the key usage counted alongside.</summary>
public interface IAuditLog
{
    /// <summary>Appends records (and counts the usage) in one transaction, each chained to the one before by <see cref="AuditChain"/>.</summary>
    void Append(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage);

    /// <summary>Finds records of one account's trail, most recent first.</summary>
    AuditPage Lookup(AuditQuery query);

    /// <summary>Walks the whole chain and reports the first record that does not match its hash.</summary>
    AuditVerification Verify();

    /// <summary>Reads an account's key usage, of one month (<c>yyyy-MM</c>) or of all when null.</summary>
    IReadOnlyList<KeyUsage> ReadUsage(string accountId, string? month);
}
