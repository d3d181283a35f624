namespace Tracevault.Storage.Postgres;

/// <summary>The audit trail (append-only, chained by keyed links under a sealed head) and the key usage counted with it, with SQLite's table and column names.</summary>
internal static class PostgresAuditSchema
{
    /// <summary>The audit part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("audit",
    [
        """
        CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation';
        END
        $$;
        CREATE TABLE audit_events (
            seq bigint PRIMARY KEY,
            event_id text NOT NULL UNIQUE,
            recipient_account_id text NOT NULL,
            event_time bigint NOT NULL,
            event_source text NOT NULL,
            event_name text NOT NULL,
            read_only boolean NOT NULL,
            username text NOT NULL,
            access_key_id text NOT NULL,
            resources text NOT NULL,
            record text NOT NULL,
            hash bytea NOT NULL,
            key_id integer);
        CREATE INDEX audit_events_account ON audit_events (recipient_account_id, seq);
        CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_refuse('audit records are append-only');
        CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_refuse('audit records are append-only');
        CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse('audit records are append-only');
        CREATE TABLE audit_head (
            id integer PRIMARY KEY CHECK (id = 1),
            records bigint NOT NULL,
            last_link bytea NOT NULL,
            last_event_time bigint,
            migrated_records bigint NOT NULL,
            damage text,
            key_id integer NOT NULL,
            seal bytea NOT NULL);
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_refuse('the audit head is never deleted');
        CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse('the audit head is never deleted');
        CREATE TABLE kms_usage (
            account_id text NOT NULL,
            key_arn text NOT NULL,
            month text NOT NULL,
            operation text NOT NULL,
            requests bigint NOT NULL,
            PRIMARY KEY (account_id, key_arn, month, operation));
        """,

        // 2: each key's most recent successful cryptographic operation (GetKeyLastUsage), kept as records are appended, gathered
        // here once from the trail: the newest record of such an operation without an error, in the key owner's trail.
        """
        CREATE TABLE kms_key_last_usage (
            key_arn text PRIMARY KEY,
            operation text NOT NULL,
            event_time bigint NOT NULL,
            event_id text NOT NULL,
            request_id text NOT NULL);
        INSERT INTO kms_key_last_usage (key_arn, operation, event_time, event_id, request_id)
        SELECT DISTINCT ON (r ->> 'ARN') r ->> 'ARN', e.event_name, e.event_time, e.event_id, coalesce(e.record::jsonb ->> 'requestID', '')
        FROM audit_events e CROSS JOIN LATERAL jsonb_array_elements(e.record::jsonb -> 'resources') r
        WHERE e.event_name IN ('Decrypt', 'DeriveSharedSecret', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'ReEncrypt', 'Sign', 'Verify', 'VerifyMac')
          AND (e.record::jsonb ->> 'errorCode') IS NULL
          AND r ->> 'accountId' = e.recipient_account_id
        ORDER BY r ->> 'ARN', e.seq DESC;
        """,
    ]);
}
