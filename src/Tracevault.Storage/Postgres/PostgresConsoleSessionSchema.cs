namespace Tracevault.Storage.Postgres;

/// <summary>The console's sessions, by their token's SHA-256 (never the token), shared by every node.</summary>
internal static class PostgresConsoleSessionSchema
{
    /// <summary>The console sessions part of the schema.</summary>
    public static readonly PostgresSchemaPart Part = new("consolesessions",
    [
        """
        CREATE TABLE console_sessions (
            token_hash bytea PRIMARY KEY,
            account_id text NOT NULL,
            user_name text NOT NULL,
            access_key_id text NOT NULL,
            created_at bigint NOT NULL,
            expires_at bigint NOT NULL);
        CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
        """,
    ]);
}
