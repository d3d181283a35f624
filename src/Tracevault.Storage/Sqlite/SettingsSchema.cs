namespace Tracevault.Storage.Sqlite;

/// <summary>The tables of encryption settings, their acknowledgements, live nodes, wrapped data keys, the KMS keys of the blind index, and storing status.</summary>
internal static class SettingsSchema
{
    /// <summary>The settings part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("settings",
    [
        """
        CREATE TABLE encryption_settings (
            account_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            type TEXT NOT NULL,
            key_arn TEXT,
            changed_at INTEGER NOT NULL,
            changed_by TEXT NOT NULL,
            PRIMARY KEY (account_id, version));
        CREATE TABLE encryption_acks (
            account_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            node_id TEXT NOT NULL,
            acked_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, version, node_id));
        CREATE TABLE nodes (node_id TEXT PRIMARY KEY, last_seen INTEGER NOT NULL);
        CREATE TABLE kms_data_keys (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            account_id TEXT NOT NULL,
            key_arn TEXT NOT NULL,
            ciphertext_blob BLOB NOT NULL,
            created_at INTEGER NOT NULL);
        CREATE TABLE storing_status (
            account_id TEXT PRIMARY KEY,
            key_arn TEXT NOT NULL,
            reason TEXT NOT NULL,
            since INTEGER NOT NULL);
        """,
        """
        -- The KMS keys whose index keys (derived from their material) an account's blind-index entries were made with: a search
        -- by trace id tries each that is not destroyed (issue 23).
        CREATE TABLE trace_index_keys (
            account_id TEXT NOT NULL,
            key_arn TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, key_arn));
        """,
        """
        -- A setting whose key is in the external key service keeps the grant Tracevault made there; data keys it wrapped
        -- are marked, so reads unwrap them there (issue 21).
        ALTER TABLE encryption_settings ADD COLUMN grant_id TEXT;
        ALTER TABLE encryption_settings ADD COLUMN grant_token TEXT;
        ALTER TABLE kms_data_keys ADD COLUMN external INTEGER NOT NULL DEFAULT 0;
        """,
    ]);
}
