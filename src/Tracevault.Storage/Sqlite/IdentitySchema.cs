namespace Tracevault.Storage.Sqlite;

/// <summary>The tables of accounts, users and access keys.</summary>
internal static class IdentitySchema
{
    /// <summary>The identity part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("identity",
    [
        """
        CREATE TABLE accounts (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL);
        CREATE TABLE users (
            account_id TEXT NOT NULL REFERENCES accounts(id),
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            policies TEXT NOT NULL,
            PRIMARY KEY (account_id, name));
        CREATE TABLE access_keys (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            user_name TEXT NOT NULL,
            sealed_secret BLOB NOT NULL,
            created_at INTEGER NOT NULL,
            FOREIGN KEY (account_id, user_name) REFERENCES users(account_id, name));
        """,

        // 2: access keys have a status (IAM's Active/Inactive); keys made before are active. Keys are found by user.
        """
        ALTER TABLE access_keys ADD COLUMN status TEXT NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Inactive'));
        CREATE INDEX access_keys_by_user ON access_keys(account_id, user_name);
        """,
    ]);
}
