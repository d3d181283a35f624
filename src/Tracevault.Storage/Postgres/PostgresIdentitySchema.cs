namespace Tracevault.Storage.Postgres;

/// <summary>The tables of accounts, users and access keys.</summary>
internal static class PostgresIdentitySchema
{
    /// <summary>The identity part of the schema: SQLite's tables and columns, times in Unix milliseconds, secrets sealed under the root key.</summary>
    public static readonly PostgresSchemaPart Part = new("identity",
    [
        """
        CREATE TABLE accounts (id text PRIMARY KEY, created_at bigint NOT NULL);
        CREATE TABLE users (
            account_id text NOT NULL REFERENCES accounts(id),
            name text NOT NULL,
            created_at bigint NOT NULL,
            policies text NOT NULL,
            PRIMARY KEY (account_id, name));
        CREATE TABLE access_keys (
            id text PRIMARY KEY,
            account_id text NOT NULL,
            user_name text NOT NULL,
            sealed_secret bytea NOT NULL,
            created_at bigint NOT NULL,
            status text NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Inactive')),
            FOREIGN KEY (account_id, user_name) REFERENCES users(account_id, name));
        CREATE INDEX access_keys_by_user ON access_keys(account_id, user_name);
        """,

        // 2: no statistics sampled from the sealed secrets: ANALYZE (autovacuum runs it) would copy values into pg_statistic, where
        // they outlive the rows — a destroyed or resealed blob must not survive in the database's files.
        """
        ALTER TABLE access_keys ALTER COLUMN sealed_secret SET STATISTICS 0;
        """,
    ]);
}
