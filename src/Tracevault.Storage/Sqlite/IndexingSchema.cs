namespace Tracevault.Storage.Sqlite;

/// <summary>The table of indexing rules.</summary>
internal static class IndexingSchema
{
    /// <summary>The indexing part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("indexing",
    [
        """
        CREATE TABLE indexing_rules (
            account_id TEXT NOT NULL,
            name TEXT NOT NULL,
            desired_percentage REAL NOT NULL,
            modified_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, name));
        """,
    ]);
}
