using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Sqlite;

/// <summary>The console's sessions in the SQLite database, by their token's SHA-256.</summary>
internal sealed class SqliteConsoleSessionStore : IConsoleSessionStore
{
    private const string Columns = "token_hash, account_id, user_name, access_key_id, created_at, expires_at";

    private readonly SqliteDatabase _database;

    /// <summary>Creates the store over a database.</summary>
    public SqliteConsoleSessionStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public void Add(ConsoleSessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Execute($"INSERT INTO console_sessions ({Columns}) VALUES ($hash, $account, $user, $key, $created, $expires)",
            ("$hash", session.TokenHash), ("$account", session.AccountId), ("$user", session.UserName), ("$key", session.AccessKeyId),
            ("$created", session.CreatedAt.ToUnixTimeMilliseconds()), ("$expires", session.ExpiresAt.ToUnixTimeMilliseconds()));
    }

    /// <inheritdoc />
    public ConsoleSessionRecord? Find(byte[] tokenHash)
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null, $"SELECT {Columns} FROM console_sessions WHERE token_hash = $hash", ("$hash", tokenHash));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new ConsoleSessionRecord((byte[])reader.GetValue(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)))
            : null;
    }

    /// <inheritdoc />
    public void Extend(byte[] tokenHash, DateTimeOffset expiresAt) =>
        Execute("UPDATE console_sessions SET expires_at = $expires WHERE token_hash = $hash AND expires_at < $expires",
            ("$hash", tokenHash), ("$expires", expiresAt.ToUnixTimeMilliseconds()));

    /// <inheritdoc />
    public void Remove(byte[] tokenHash) => Execute("DELETE FROM console_sessions WHERE token_hash = $hash", ("$hash", tokenHash));

    /// <inheritdoc />
    public int RemoveExpired(DateTimeOffset now) => Execute("DELETE FROM console_sessions WHERE expires_at <= $now", ("$now", now.ToUnixTimeMilliseconds()));

    private int Execute(string sql, params (string Name, object? Value)[] parameters)
    {
        using var connection = _database.Open();
        return SqliteKeyRepository.Execute(connection, null, sql, parameters);
    }
}
