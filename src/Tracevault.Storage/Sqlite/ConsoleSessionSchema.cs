namespace Tracevault.Storage.Sqlite;

/// <summary>The console's sessions, by their token's SHA-256 (never the token), shared by every process on the file.</summary>
internal static class ConsoleSessionSchema
{
    /// <summary>The console sessions part of the schema.</summary>
    public static readonly SqliteSchemaPart Part = new("consolesessions",
    [
        """
        CREATE TABLE console_sessions (
            token_hash BLOB PRIMARY KEY,
            account_id TEXT NOT NULL,
            user_name TEXT NOT NULL,
            access_key_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL);
        CREATE INDEX console_sessions_expiry ON console_sessions(expires_at);
        """,
    ]);
}
