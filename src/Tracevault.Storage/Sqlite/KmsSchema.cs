namespace Tracevault.Storage.Sqlite;

/// <summary>The tables of the key service: keys (append-only revisions), sealed key versions, aliases and grants.</summary>
internal static class KmsSchema
{
    /// <summary>The KMS part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("kms",
    [
        """
        CREATE TABLE kms_keys (
            key_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            arn TEXT NOT NULL,
            created_at INTEGER NOT NULL);
        CREATE INDEX kms_keys_account ON kms_keys(account_id, created_at);
        CREATE TABLE kms_key_revisions (
            key_id TEXT NOT NULL REFERENCES kms_keys(key_id),
            revision INTEGER NOT NULL,
            state TEXT NOT NULL,
            revised_at INTEGER NOT NULL,
            metadata TEXT NOT NULL,
            PRIMARY KEY (key_id, revision));
        CREATE TABLE kms_key_versions (
            key_id TEXT NOT NULL REFERENCES kms_keys(key_id),
            version INTEGER NOT NULL,
            sealed_material BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            rotation_type TEXT,
            PRIMARY KEY (key_id, version));
        CREATE TABLE kms_aliases (
            account_id TEXT NOT NULL,
            alias_name TEXT NOT NULL,
            target_key_id TEXT NOT NULL REFERENCES kms_keys(key_id),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, alias_name));
        CREATE TABLE kms_grants (
            grant_id TEXT PRIMARY KEY,
            key_id TEXT NOT NULL REFERENCES kms_keys(key_id),
            created_at INTEGER NOT NULL,
            data TEXT NOT NULL);
        CREATE INDEX kms_grants_key ON kms_grants(key_id, created_at);
        """,

        // 2: one number bumped by every committed change, which every node polls to notice the changes others make.
        """
        CREATE TABLE kms_change_number (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            number INTEGER NOT NULL);
        INSERT INTO kms_change_number (id, number) VALUES (1, 0);
        """,
    ]);
}
