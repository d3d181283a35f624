namespace Tracevault.Storage.Postgres;

/// <summary>The root keys the database expects (ids and check values, never the keys) and the sealed versions of Tracevault's own service key, with SQLite's table and column names.</summary>
internal static class PostgresRootKeySchema
{
    /// <summary>The root-key part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("rootkeys",
    [
        // service_keys sits in SQLite's "traces" part; IF NOT EXISTS, so whichever part comes first makes it, alike.
        """
        CREATE TABLE root_keys (key_id integer PRIMARY KEY, check_value bytea NOT NULL);
        CREATE TABLE IF NOT EXISTS service_keys (version integer PRIMARY KEY, sealed_key bytea NOT NULL);
        """,

        // 2: no statistics sampled from the sealed service keys: ANALYZE (autovacuum runs it) would copy values into pg_statistic, where
        // they outlive the rows — a destroyed or resealed blob must not survive in the database's files.
        """
        ALTER TABLE service_keys ALTER COLUMN sealed_key SET STATISTICS 0;
        """,
    ]);
}
