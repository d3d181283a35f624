using Npgsql;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Postgres;

/// <summary>The console's sessions in PostgreSQL, by their token's SHA-256; every call is one statement, so nodes need no lock.</summary>
internal sealed class PostgresConsoleSessionStore : IConsoleSessionStore
{
    private const string Columns = "token_hash, account_id, user_name, access_key_id, created_at, expires_at";

    private readonly PostgresDatabase _database;

    /// <summary>Creates the store over a database.</summary>
    public PostgresConsoleSessionStore(PostgresDatabase database) => _database = database;

    /// <inheritdoc />
    public void Add(ConsoleSessionRecord session)
    {
        ArgumentNullException.ThrowIfNull(session);
        Execute($"INSERT INTO console_sessions ({Columns}) VALUES ($1, $2, $3, $4, $5, $6)",
            session.TokenHash, session.AccountId, session.UserName, session.AccessKeyId, session.CreatedAt.ToUnixTimeMilliseconds(), session.ExpiresAt.ToUnixTimeMilliseconds());
    }

    /// <inheritdoc />
    public ConsoleSessionRecord? Find(byte[] tokenHash)
    {
        using var connection = _database.Open();
        using var command = Command(connection, $"SELECT {Columns} FROM console_sessions WHERE token_hash = $1", tokenHash);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new ConsoleSessionRecord((byte[])reader.GetValue(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)))
            : null;
    }

    /// <inheritdoc />
    public void Extend(byte[] tokenHash, DateTimeOffset expiresAt) =>
        Execute("UPDATE console_sessions SET expires_at = $2 WHERE token_hash = $1 AND expires_at < $2", tokenHash, expiresAt.ToUnixTimeMilliseconds());

    /// <inheritdoc />
    public void Remove(byte[] tokenHash) => Execute("DELETE FROM console_sessions WHERE token_hash = $1", tokenHash);

    /// <inheritdoc />
    public int RemoveExpired(DateTimeOffset now) => Execute("DELETE FROM console_sessions WHERE expires_at <= $1", now.ToUnixTimeMilliseconds());

    private int Execute(string sql, params object[] parameters)
    {
        using var connection = _database.Open();
        using var command = Command(connection, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, params object[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        return command;
    }
}
