namespace Tracevault.Storage.Postgres;

/// <summary>The table of X-Ray resource policies, as SQLite's <c>resourcepolicies</c> part.</summary>
internal static class PostgresResourcePolicySchema
{
    /// <summary>The resource policies part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("resourcepolicies",
    [
        """
        CREATE TABLE xray_resource_policies (
            account_id text NOT NULL,
            name text NOT NULL,
            document text NOT NULL,
            revision bigint NOT NULL,
            updated_at bigint NOT NULL,
            PRIMARY KEY (account_id, name));
        """,
    ]);
}
