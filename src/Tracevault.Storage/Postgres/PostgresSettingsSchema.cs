namespace Tracevault.Storage.Postgres;

/// <summary>The tables of encryption settings, their acknowledgements, live nodes, wrapped data keys, the KMS keys of the blind index, and storing status.</summary>
internal static class PostgresSettingsSchema
{
    /// <summary>The settings part of the schema: SQLite's tables and columns, times in Unix milliseconds.</summary>
    public static readonly PostgresSchemaPart Part = new("settings",
    [
        """
        CREATE TABLE encryption_settings (
            account_id text NOT NULL,
            version integer NOT NULL,
            type text NOT NULL CHECK (type IN ('NONE', 'KMS')),
            key_arn text,
            changed_at bigint NOT NULL,
            changed_by text NOT NULL,
            PRIMARY KEY (account_id, version));
        CREATE TABLE encryption_acks (
            account_id text NOT NULL,
            version integer NOT NULL,
            node_id text NOT NULL,
            acked_at bigint NOT NULL,
            PRIMARY KEY (account_id, version, node_id));
        CREATE TABLE nodes (node_id text PRIMARY KEY, last_seen bigint NOT NULL);
        -- Ids come from one sequence in the database, so data keys made by different nodes never share one.
        CREATE TABLE kms_data_keys (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            account_id text NOT NULL,
            key_arn text NOT NULL,
            ciphertext_blob bytea NOT NULL,
            created_at bigint NOT NULL);
        CREATE TABLE storing_status (
            account_id text PRIMARY KEY,
            key_arn text NOT NULL,
            reason text NOT NULL,
            since bigint NOT NULL);
        -- The KMS keys whose index keys an account's blind-index entries were made with: a search by trace id tries each.
        CREATE TABLE trace_index_keys (
            account_id text NOT NULL,
            key_arn text NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (account_id, key_arn));
        """,
        """
        -- A setting whose key is in the external key service keeps the grant Tracevault made there; data keys it wrapped
        -- are marked, so reads unwrap them there (issue 21).
        ALTER TABLE encryption_settings ADD COLUMN grant_id text;
        ALTER TABLE encryption_settings ADD COLUMN grant_token text;
        ALTER TABLE kms_data_keys ADD COLUMN external integer NOT NULL DEFAULT 0;
        """,
    ]);
}
