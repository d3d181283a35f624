namespace Tracevault.Storage.Postgres;

/// <summary>The tables of the key service, with SQLite's table and column names: keys (append-only revisions), sealed key versions, aliases and grants.</summary>
internal static class PostgresKmsSchema
{
    /// <summary>The KMS part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("kms",
    [
        """
        CREATE TABLE kms_keys (
            key_id text PRIMARY KEY,
            account_id text NOT NULL,
            arn text NOT NULL,
            created_at bigint NOT NULL);
        CREATE INDEX kms_keys_account ON kms_keys (account_id, created_at);
        CREATE TABLE kms_key_revisions (
            key_id text NOT NULL REFERENCES kms_keys (key_id),
            revision bigint NOT NULL,
            state text NOT NULL,
            revised_at bigint NOT NULL,
            metadata text NOT NULL,
            PRIMARY KEY (key_id, revision));
        CREATE INDEX kms_key_revisions_pending ON kms_key_revisions (key_id) WHERE state = 'PendingDeletion';
        CREATE TABLE kms_key_versions (
            key_id text NOT NULL REFERENCES kms_keys (key_id),
            version integer NOT NULL,
            sealed_material bytea NOT NULL,
            created_at bigint NOT NULL,
            rotation_type text,
            PRIMARY KEY (key_id, version));
        CREATE TABLE kms_aliases (
            account_id text NOT NULL,
            alias_name text NOT NULL,
            target_key_id text NOT NULL REFERENCES kms_keys (key_id),
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            PRIMARY KEY (account_id, alias_name));
        CREATE INDEX kms_aliases_target ON kms_aliases (target_key_id);
        CREATE TABLE kms_grants (
            grant_id text PRIMARY KEY,
            key_id text NOT NULL REFERENCES kms_keys (key_id),
            created_at bigint NOT NULL,
            data text NOT NULL);
        CREATE INDEX kms_grants_key ON kms_grants (key_id, created_at);
        """,

        // 2: one number bumped by every committed change, which every node polls to notice the changes others make (as SQLite's kms part, step 2).
        """
        CREATE TABLE kms_change_number (
            id integer PRIMARY KEY CHECK (id = 1),
            number bigint NOT NULL);
        INSERT INTO kms_change_number (id, number) VALUES (1, 0);
        """,

        // 3: no statistics sampled from the sealed key material: ANALYZE (autovacuum runs it) would copy values into pg_statistic, where
        // they outlive the rows — a destroyed or resealed blob must not survive in the database's files.
        """
        ALTER TABLE kms_key_versions ALTER COLUMN sealed_material SET STATISTICS 0;
        """,
    ]);
}
