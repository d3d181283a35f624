using Npgsql;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Settings;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Tests.Contracts;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The PostgreSQL backend of the contract suites: a fresh database of its own on the test cluster; each opening is another node's.</summary>
public sealed class PostgresBackendUnderTest : IBackendUnderTest
{
    private readonly List<PostgresDatabase> _openings = [];
    private readonly Lock _gate = new();

    /// <summary>The database every opening shares.</summary>
    public NpgsqlConnectionStringBuilder Connection { get; } = PostgresCluster.Shared.CreateDatabase();

    public ITraceStore OpenTraceStore() => throw new NotSupportedException("The PostgreSQL trace store is not in this branch yet.");

    public IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys) => throw new NotSupportedException("The PostgreSQL identity repository is not in this branch yet.");

    public IEncryptionSettingRepository OpenEncryptionSettingRepository() => new PostgresEncryptionSettingRepository(OpenDatabase());

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var database in _openings)
            {
                database.Dispose();
            }

            _openings.Clear();
        }
    }

    /// <summary>Opens the database as a node does (applying the schema), closed when the backend is disposed.</summary>
    public PostgresDatabase OpenDatabase()
    {
        var database = new PostgresDatabase(Connection);
        lock (_gate)
        {
            _openings.Add(database);
        }

        return database;
    }
}
