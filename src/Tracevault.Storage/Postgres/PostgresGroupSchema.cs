namespace Tracevault.Storage.Postgres;

/// <summary>The table of X-Ray groups, as SQLite's <c>groups</c> part.</summary>
internal static class PostgresGroupSchema
{
    /// <summary>The groups part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("groups",
    [
        """
        CREATE TABLE xray_groups (
            account_id text NOT NULL,
            name text NOT NULL,
            id text NOT NULL,
            filter_expression text,
            insights_enabled boolean NOT NULL,
            notifications_enabled boolean NOT NULL,
            tags text NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (account_id, name));
        """,
    ]);
}
