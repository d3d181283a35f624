namespace Tracevault.Storage.Sqlite;

/// <summary>The table of X-Ray resource policies.</summary>
internal static class ResourcePolicySchema
{
    /// <summary>The resource policies part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("resourcepolicies",
    [
        """
        CREATE TABLE xray_resource_policies (
            account_id TEXT NOT NULL,
            name TEXT NOT NULL,
            document TEXT NOT NULL,
            revision INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (account_id, name));
        """,
    ]);
}
