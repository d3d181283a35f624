namespace Tracevault.Storage.Sqlite;

/// <summary>The table of X-Ray groups.</summary>
internal static class GroupSchema
{
    /// <summary>The groups part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("groups",
    [
        """
        CREATE TABLE xray_groups (
            account_id TEXT NOT NULL,
            name TEXT NOT NULL,
            id TEXT NOT NULL,
            filter_expression TEXT,
            insights_enabled INTEGER NOT NULL,
            notifications_enabled INTEGER NOT NULL,
            tags TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, name));
        """,
    ]);
}
