namespace Tracevault.Storage.Postgres;

/// <summary>The table of indexing rules, as SQLite's <c>indexing</c> part.</summary>
internal static class PostgresIndexingSchema
{
    /// <summary>The indexing part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("indexing",
    [
        """
        CREATE TABLE indexing_rules (
            account_id text NOT NULL,
            name text NOT NULL,
            desired_percentage double precision NOT NULL,
            modified_at bigint NOT NULL,
            PRIMARY KEY (account_id, name));
        """,
    ]);
}
