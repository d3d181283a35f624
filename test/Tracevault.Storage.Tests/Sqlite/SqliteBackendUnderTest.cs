using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Identity;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Settings;
using Tracevault.Storage.Groups;
using Tracevault.Storage.Indexing;
using Tracevault.Storage.Insights;
using Tracevault.Storage.ResourcePolicies;
using Tracevault.Storage.Retrievals;
using Tracevault.Storage.Sampling;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Tests.Contracts;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The SQLite backend of the contract suites: a real SQLite file in a temporary directory of its own.</summary>
public sealed class SqliteBackendUnderTest : IBackendUnderTest
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-storage-").FullName;

    /// <summary>The database file every opening shares.</summary>
    public string DatabasePath => Path.Combine(_directory, SqliteDatabase.FileName);

    public ITraceStore OpenTraceStore() => new SqliteTraceStore(new SqliteDatabase(DatabasePath), TimeProvider.System);

    public IIdentityRepository OpenIdentityRepository(RootKeyRing rootKeys) => new SqliteIdentityRepository(new SqliteDatabase(DatabasePath), new AuditChain(rootKeys));

    public ISamplingRuleRepository OpenSamplingRules() => new SqliteSamplingRuleRepository(new SqliteDatabase(DatabasePath));

    public IGroupRepository OpenGroupRepository() => new SqliteGroupRepository(new SqliteDatabase(DatabasePath));

    public IIndexingRuleRepository OpenIndexingRules() => new SqliteIndexingRuleRepository(new SqliteDatabase(DatabasePath));

    public IEncryptionSettingRepository OpenEncryptionSettingRepository() => new SqliteEncryptionSettingRepository(new SqliteDatabase(DatabasePath));

    public IAuditLog OpenAuditLog(RootKeyRing rootKeys) => new SqliteAuditLog(new SqliteDatabase(DatabasePath), new AuditChain(rootKeys));

    public void RewriteAuditUsername(long sequence, string username) =>
        Execute("DROP TRIGGER audit_events_no_update; UPDATE audit_events SET username = $value WHERE seq = $from; " + NoUpdate, ("$value", username), ("$from", sequence));

    public void DeleteAuditRecords(long from, long to) =>
        Execute("DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE seq BETWEEN $from AND $to; " + NoDelete, ("$from", from), ("$to", to));

    public void ForgetKeyLastUsage() =>
        Execute("DROP TABLE kms_key_last_usage; UPDATE schema_versions SET version = 2 WHERE part = 'audit'");

    public IKeyRepository OpenKeyRepository(RootKeyRing rootKeys)
    {
        var database = new SqliteDatabase(DatabasePath);
        return new SqliteKeyRepository(database, new SqliteAuditLog(database, new AuditChain(rootKeys)));
    }

    public bool TablesHold(byte[] bytes) =>
        new[] { DatabasePath, DatabasePath + "-wal" }.Any(path => File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf(bytes) >= 0);

    public IServiceKeyStore OpenServiceKeyStore(RootKeyRing rootKeys) => new SqliteServiceKeyStore(new SqliteDatabase(DatabasePath), rootKeys);

    public IRootKeySealedStore OpenRootKeySealedStore() => new SqliteRootKeyStore(new SqliteDatabase(DatabasePath));

    /// <summary>As the data directory reads it: a database file that is not there yet expects nothing.</summary>
    public StoredRootKeys ReadRootKeysBeforeOpening() => File.Exists(DatabasePath) ? SqliteRootKeyStore.ReadBeforeOpening(DatabasePath) : new StoredRootKeys([], []);

    public IConsoleSessionStore OpenConsoleSessionStore() => new SqliteConsoleSessionStore(new SqliteDatabase(DatabasePath));

    public ISignInAttemptStore OpenSignInAttemptStore() => new SqliteSignInAttemptStore(new SqliteDatabase(DatabasePath));

    public ITraceRetrievalRepository OpenTraceRetrievals() => new SqliteTraceRetrievalRepository(new SqliteDatabase(DatabasePath));
    public IInsightRepository OpenInsightRepository() => new SqliteInsightRepository(new SqliteDatabase(DatabasePath));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private const string NoUpdate = "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;";
    private const string NoDelete = "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;";

    /// <summary>Runs SQL on the file in one transaction, as someone who can write it (not through the store).</summary>
    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
        transaction.Commit();
    }

    public IResourcePolicyRepository OpenResourcePolicyRepository() => new SqliteResourcePolicyRepository(new SqliteDatabase(DatabasePath));
}
