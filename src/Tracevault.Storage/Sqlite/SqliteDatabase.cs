using Microsoft.Data.Sqlite;

namespace Tracevault.Storage.Sqlite;

/// <summary>The SQLite database in a data directory: opens connections in WAL mode and keeps the schema current.</summary>
/// <remarks>Thread-safe: each operation opens its own pooled connection.</remarks>
public sealed class SqliteDatabase
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "tracevault.db";

    private readonly string _connectionString;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and applies the schema.</summary>
    public SqliteDatabase(string path)
    {
        Path = path;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        SqliteSchema.Apply(connection);
    }

    /// <summary>The database file's path.</summary>
    public string Path { get; }

    /// <summary>Opens a connection with the pragmas every connection needs.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;";
        command.ExecuteNonQuery();
        return connection;
    }
}
