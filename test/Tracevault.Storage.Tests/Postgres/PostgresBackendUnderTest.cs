using Npgsql;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Settings;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Tests.Contracts;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The PostgreSQL backend of the contract suites: a fresh database of its own on the test cluster; each opening is another node with its own connections.</summary>
public sealed class PostgresBackendUnderTest : IBackendUnderTest
{
    private readonly List<PostgresDatabase> _openings = [];

    /// <summary>The database every opening shares.</summary>
    public NpgsqlConnectionStringBuilder Connection { get; } = PostgresCluster.Shared.CreateDatabase();

    /// <summary>Opens the database as another node would: its own connections, the schema applied if it is not yet.</summary>
    public PostgresDatabase OpenDatabase()
    {
        var database = new PostgresDatabase(Connection);
        lock (_openings)
        {
            _openings.Add(database);
        }

        return database;
    }

    public ITraceStore OpenTraceStore() => throw new NotSupportedException("The PostgreSQL trace store is not in this branch.");

    public IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys) => new PostgresIdentityRepository(OpenDatabase(), new AuditChain(rootKeys));

    public IEncryptionSettingRepository OpenEncryptionSettingRepository() => new PostgresEncryptionSettingRepository(OpenDatabase());

    public IAuditLog OpenAuditLog(RootKeyRing rootKeys) => new PostgresAuditLog(OpenDatabase(), new AuditChain(rootKeys));

    public void RewriteAuditUsername(long sequence, string username) =>
        Execute("ALTER TABLE audit_events DISABLE TRIGGER USER; UPDATE audit_events SET username = $1 WHERE seq = $2; ALTER TABLE audit_events ENABLE TRIGGER USER", username, sequence);

    public void DeleteAuditRecords(long from, long to) =>
        Execute("ALTER TABLE audit_events DISABLE TRIGGER USER; DELETE FROM audit_events WHERE seq BETWEEN $1 AND $2; ALTER TABLE audit_events ENABLE TRIGGER USER", from, to);

    public void Dispose()
    {
        foreach (var database in _openings)
        {
            database.Dispose();
        }
    }

    /// <summary>Runs SQL in one transaction as the cluster's superuser, as someone who can write the database (not through the store).</summary>
    private void Execute(string sql, params object[] parameters)
    {
        using var connection = new NpgsqlConnection(Connection.ConnectionString);
        connection.Open();
        using var transaction = connection.BeginTransaction();
        foreach (var statement in sql.Split("; "))
        {
            using var command = new NpgsqlCommand(statement, connection, transaction);
            var used = statement.Contains("$2", StringComparison.Ordinal) ? 2 : statement.Contains("$1", StringComparison.Ordinal) ? 1 : 0;
            foreach (var value in parameters.Take(used))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = value });
            }

            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }
}
