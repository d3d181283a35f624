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
    ]);
}
