using Npgsql;

namespace Tracevault.Storage.Postgres;

/// <summary>
/// A PostgreSQL database shared by every node of a deployment: hands out pooled connections and keeps the schema current.
/// </summary>
/// <remarks>Thread-safe: each operation opens its own pooled connection. Dispose it to close the pool.</remarks>
public sealed class PostgresDatabase : IDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Connects to the database <paramref name="connection"/> names (see <see cref="PostgresConnectionString"/>) and applies the schema.</summary>
    /// <exception cref="NpgsqlException">The database cannot be reached.</exception>
    public PostgresDatabase(NpgsqlConnectionStringBuilder connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Where = PostgresConnectionString.Describe(connection);
        var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "tracevault";
        _dataSource = builder.Build();
        try
        {
            using var opened = Open();
            PostgresSchema.Apply(opened);
        }
        catch
        {
            _dataSource.Dispose();
            throw;
        }
    }

    /// <summary>Where the database is (host, port, database, user; never the password), for logs and messages.</summary>
    public string Where { get; }

    /// <summary>Opens a pooled connection; dispose it to return it.</summary>
    public NpgsqlConnection Open() => _dataSource.OpenConnection();

    /// <summary>Opens a pooled connection asynchronously; dispose it to return it.</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default) => _dataSource.OpenConnectionAsync(cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _dataSource.Dispose();
}
