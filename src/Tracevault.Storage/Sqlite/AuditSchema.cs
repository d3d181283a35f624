namespace Tracevault.Storage.Sqlite;

/// <summary>The audit trail (append-only, chained by keyed links under a sealed head) and the key usage counted with it.</summary>
internal static class AuditSchema
{
    /// <summary>The audit part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("audit",
    [
        """
        CREATE TABLE audit_events (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            recipient_account_id TEXT NOT NULL,
            event_time INTEGER NOT NULL,
            event_source TEXT NOT NULL,
            event_name TEXT NOT NULL,
            read_only INTEGER NOT NULL,
            username TEXT NOT NULL,
            access_key_id TEXT NOT NULL,
            resources TEXT NOT NULL,
            record TEXT NOT NULL,
            hash BLOB NOT NULL);
        CREATE INDEX audit_events_account ON audit_events(recipient_account_id, seq);
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
        CREATE TABLE kms_usage (
            account_id TEXT NOT NULL,
            key_arn TEXT NOT NULL,
            month TEXT NOT NULL,
            operation TEXT NOT NULL,
            requests INTEGER NOT NULL,
            PRIMARY KEY (account_id, key_arn, month, operation));
        """,

        // 2: the chain is keyed. hash becomes an HMAC link under the chain key of the root key named by key_id (NULL: a
        // record of step 1, linked by plain SHA-256, which SqliteAuditLog re-chains under the key once, on first open);
        // the head (how many records, the last link) is sealed under the same key, so a shortened chain is noticed.
        """
        ALTER TABLE audit_events ADD COLUMN key_id INTEGER;
        CREATE TABLE audit_head (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            records INTEGER NOT NULL,
            last_link BLOB NOT NULL,
            last_event_time INTEGER,
            migrated_records INTEGER NOT NULL,
            damage TEXT,
            key_id INTEGER NOT NULL,
            seal BLOB NOT NULL);
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN SELECT RAISE(ABORT, 'the audit head is never deleted'); END;
        """,

        // 3: each key's most recent successful cryptographic operation (GetKeyLastUsage), kept as records are appended, gathered
        // here once from the trail: the newest record of such an operation without an error, in the key owner's trail.
        """
        CREATE TABLE kms_key_last_usage (
            key_arn TEXT PRIMARY KEY,
            operation TEXT NOT NULL,
            event_time INTEGER NOT NULL,
            event_id TEXT NOT NULL,
            request_id TEXT NOT NULL);
        INSERT INTO kms_key_last_usage (key_arn, operation, event_time, event_id, request_id)
        SELECT arn, event_name, event_time, event_id, request_id FROM (
            SELECT json_extract(r.value, '$.ARN') AS arn, e.event_name, e.event_time, e.event_id,
                coalesce(json_extract(e.record, '$.requestID'), '') AS request_id,
                row_number() OVER (PARTITION BY json_extract(r.value, '$.ARN') ORDER BY e.seq DESC) AS n
            FROM audit_events e, json_each(e.record, '$.resources') r
            WHERE e.event_name IN ('Decrypt', 'DeriveSharedSecret', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'ReEncrypt', 'Sign', 'Verify', 'VerifyMac')
              AND json_extract(e.record, '$.errorCode') IS NULL
              AND json_extract(r.value, '$.accountId') = e.recipient_account_id)
        WHERE n = 1;
        """,
    ]);
}
