namespace Tracevault.Storage.Sqlite;

/// <summary>The console's failed sign-ins, by the SHA-256 of their access key id or address (never either in the clear), shared by every process on the file.</summary>
internal static class SignInAttemptSchema
{
    /// <summary>The sign-in attempts part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("signinattempts",
    [
        """
        CREATE TABLE sign_in_failures (
            name_hash BLOB PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_failure_at INTEGER NOT NULL,
            wait_until INTEGER NOT NULL);
        CREATE INDEX sign_in_failures_last ON sign_in_failures(last_failure_at);
        """,
    ]);
}
