using Npgsql;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Sampling;
using Tracevault.Storage.Tests.Contracts;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The PostgreSQL backend of the contract suites: a fresh database of its own on the test cluster; each opening is another node's.</summary>
public sealed class PostgresBackendUnderTest : IBackendUnderTest
{
    private readonly NpgsqlConnectionStringBuilder _connection = PostgresCluster.Shared.CreateDatabase();
    private readonly List<PostgresDatabase> _opened = [];

    public ITraceStore OpenTraceStore() => throw new NotSupportedException("The PostgreSQL trace store is not on this branch yet.");

    public IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys) => throw new NotSupportedException("The PostgreSQL identity repository is not on this branch yet.");

    public ISamplingRuleRepository OpenSamplingRules() => new PostgresSamplingRuleRepository(Open());

    public void Dispose()
    {
        lock (_opened)
        {
            foreach (var database in _opened)
            {
                database.Dispose();
            }
        }
    }

    private PostgresDatabase Open()
    {
        var database = new PostgresDatabase(_connection);
        lock (_opened)
        {
            _opened.Add(database);
        }

        return database;
    }
}
