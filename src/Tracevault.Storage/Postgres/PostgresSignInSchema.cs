namespace Tracevault.Storage.Postgres;

/// <summary>The console's failed sign-ins, by the SHA-256 of their access key id or address (never either in the clear), shared by every node.</summary>
internal static class PostgresSignInSchema
{
    /// <summary>The sign-in attempts part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("signinattempts",
    [
        """
        CREATE TABLE sign_in_failures (
            name_hash bytea PRIMARY KEY,
            failures bigint NOT NULL,
            last_failure_at bigint NOT NULL,
            wait_until bigint NOT NULL);
        CREATE INDEX sign_in_failures_last ON sign_in_failures(last_failure_at);
        """,
    ]);
}
