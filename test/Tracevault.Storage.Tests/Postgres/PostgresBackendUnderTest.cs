using Npgsql;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Tests.Contracts;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The PostgreSQL backend of the contract suites: a fresh, empty database of its own on the test cluster; each opening is another pool, as another node's.</summary>
public sealed class PostgresBackendUnderTest : IBackendUnderTest
{
    private readonly NpgsqlConnectionStringBuilder _connection = PostgresCluster.Shared.CreateDatabase();
    private readonly List<PostgresDatabase> _opened = [];

    public ITraceStore OpenTraceStore() => throw new NotSupportedException("The PostgreSQL trace store is not in this branch yet.");

    public IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys) => throw new NotSupportedException("The PostgreSQL identity repository is not in this branch yet.");

    public IConsoleSessionStore OpenConsoleSessionStore() => new PostgresConsoleSessionStore(Open());

    public void Dispose()
    {
        foreach (var database in _opened)
        {
            database.Dispose();
        }
    }

    private PostgresDatabase Open()
    {
        var database = new PostgresDatabase(_connection);
        _opened.Add(database);
        return database;
    }
}
