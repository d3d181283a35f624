using Npgsql;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Identity;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Settings;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Groups;
using Tracevault.Storage.Indexing;
using Tracevault.Storage.Insights;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.ResourcePolicies;
using Tracevault.Storage.Retrievals;
using Tracevault.Storage.Sampling;
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

    public ITraceStore OpenTraceStore() => new PostgresTraceStore(OpenDatabase());

    public IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys) => new PostgresIdentityRepository(OpenDatabase(), new AuditChain(rootKeys));

    public ISamplingRuleRepository OpenSamplingRules() => new PostgresSamplingRuleRepository(OpenDatabase());

    public IGroupRepository OpenGroupRepository() => new PostgresGroupRepository(OpenDatabase());

    public IIndexingRuleRepository OpenIndexingRules() => new PostgresIndexingRuleRepository(OpenDatabase());

    public IEncryptionSettingRepository OpenEncryptionSettingRepository() => new PostgresEncryptionSettingRepository(OpenDatabase());

    public IAuditLog OpenAuditLog(RootKeyRing rootKeys) => new PostgresAuditLog(OpenDatabase(), new AuditChain(rootKeys));

    public IKeyRepository OpenKeyRepository(RootKeyRing rootKeys)
    {
        var database = OpenDatabase();
        return new PostgresKeyRepository(database, new PostgresAuditLog(database, new AuditChain(rootKeys)));
    }

    public bool TablesHold(byte[] bytes)
    {
        using var connection = new NpgsqlConnection(Connection.ConnectionString);
        connection.Open();
        using (var checkpoint = new NpgsqlCommand("CHECKPOINT", connection))
        {
            checkpoint.ExecuteNonQuery();
        }

        var files = new List<string>();
        using (var command = new NpgsqlCommand("SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.relkind IN ('r', 't', 'i', 'm') AND pg_relation_filepath(c.oid) IS NOT NULL", connection))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                files.Add(Path.Combine(PostgresCluster.Shared.DataPath, reader.GetString(0)));
            }
        }

        // A relation past 1 GB continues in files numbered .1, .2, …
        var holding = files.SelectMany(file => new[] { file }.Concat(Enumerable.Range(1, int.MaxValue - 1).Select(i => $"{file}.{i}").TakeWhile(File.Exists)))
            .FirstOrDefault(file => File.Exists(file) && File.ReadAllBytes(file).AsSpan().IndexOf(bytes) >= 0);
        if (holding is not null)
        {
            // Which relation holds them, for a test that expected them gone (its assertion says only that they are there).
            using var named = new NpgsqlCommand("SELECT c.relname FROM pg_class c WHERE pg_relation_filepath(c.oid) = $1", connection) { Parameters = { new() { Value = Path.GetRelativePath(PostgresCluster.Shared.DataPath, holding).Split('.')[0] } } };
            Console.Error.WriteLine($"TablesHold: the bytes are in {holding} ({named.ExecuteScalar()})");
        }

        return holding is not null;
    }

    public IServiceKeyStore OpenServiceKeyStore(RootKeyRing rootKeys) => new PostgresServiceKeyStore(OpenDatabase(), rootKeys);

    public IRootKeySealedStore OpenRootKeySealedStore() => new PostgresRootKeyStore(OpenDatabase());

    public StoredRootKeys ReadRootKeysBeforeOpening() => PostgresRootKeyStore.ReadBeforeOpening(Connection);

    public IConsoleSessionStore OpenConsoleSessionStore() => new PostgresConsoleSessionStore(OpenDatabase());

    public ISignInAttemptStore OpenSignInAttemptStore() => new PostgresSignInAttemptStore(OpenDatabase());

    public ITraceRetrievalRepository OpenTraceRetrievals() => new PostgresTraceRetrievalRepository(OpenDatabase());
    public IInsightRepository OpenInsightRepository() => new PostgresInsightRepository(OpenDatabase());

    public void RewriteAuditUsername(long sequence, string username) =>
        Execute("ALTER TABLE audit_events DISABLE TRIGGER USER; UPDATE audit_events SET username = $1 WHERE seq = $2; ALTER TABLE audit_events ENABLE TRIGGER USER", username, sequence);

    public void DeleteAuditRecords(long from, long to) =>
        Execute("ALTER TABLE audit_events DISABLE TRIGGER USER; DELETE FROM audit_events WHERE seq BETWEEN $1 AND $2; ALTER TABLE audit_events ENABLE TRIGGER USER", from, to);

    public void ForgetKeyLastUsage() =>
        Execute("DROP TABLE kms_key_last_usage; UPDATE schema_versions SET version = 1 WHERE part = 'audit'");

    public void Dispose()
    {
        foreach (var database in _openings)
        {
            database.Dispose();
        }

        PostgresCluster.Shared.DropDatabase(Connection);
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

    public IResourcePolicyRepository OpenResourcePolicyRepository() => new PostgresResourcePolicyRepository(OpenDatabase());
}
