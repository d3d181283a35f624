namespace Tracevault.Storage.Sqlite;

/// <summary>The table of the root keys the database expects: ids and check values, never the keys.</summary>
internal static class RootKeySchema
{
    /// <summary>The root-key part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("rootkeys",
    [
        "CREATE TABLE root_keys (key_id INTEGER PRIMARY KEY, check_value BLOB NOT NULL)",
    ]);
}
