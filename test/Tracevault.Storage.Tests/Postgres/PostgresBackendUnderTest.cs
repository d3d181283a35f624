using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Tests.Contracts;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The PostgreSQL backend of the contract suites: a fresh database of its own on the tests' private cluster.</summary>
public sealed class PostgresBackendUnderTest : IBackendUnderTest
{
    private readonly Lock _lock = new();
    private readonly List<PostgresDatabase> _opened = [];

    /// <summary>The database every opening shares.</summary>
    public Npgsql.NpgsqlConnectionStringBuilder Connection { get; } = PostgresCluster.Shared.CreateDatabase();

    /// <summary>Opens the database as another node would: its own pool, the schema applied if missing.</summary>
    public PostgresDatabase OpenDatabase()
    {
        var database = new PostgresDatabase(Connection);
        lock (_lock)
        {
            _opened.Add(database);
        }

        return database;
    }

    public ITraceStore OpenTraceStore() => new PostgresTraceStore(OpenDatabase());

    // The identity repository on PostgreSQL is another part of issue 18; its contract suite is not run on this backend yet.
    public IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys) => throw new NotSupportedException("The identity repository has no PostgreSQL implementation in this branch.");

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var database in _opened)
            {
                database.Dispose();
            }

            _opened.Clear();
        }
    }
}
