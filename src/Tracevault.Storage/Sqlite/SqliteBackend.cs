using System.Globalization;
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
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Sqlite;

/// <summary>The embedded backend: every repository over one SQLite file, and the one place that makes them.</summary>
/// <remarks>Thread-safe; see <see cref="IStorageBackend"/> for when each repository is made.</remarks>
public sealed class SqliteBackend : IStorageBackend
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = SqliteDatabase.FileName;

    private readonly AuditChain _chain;
    private readonly Lazy<SqliteAuditLog> _audit;
    private readonly Lazy<SqliteKeyRepository> _keys;
    private readonly Lazy<SqliteIdentityRepository> _identities;
    private readonly Lazy<SqliteEncryptionSettingRepository> _encryptionSettings;
    private readonly Lazy<SqliteServiceKeyStore> _serviceKeys;
    private readonly Lazy<SqliteRootKeyStore> _rootKeySealed;
    private readonly Lazy<SqliteTraceStore> _traces;
    private readonly Lazy<SqliteSamplingRuleRepository> _samplingRules;
    private readonly Lazy<SqliteGroupRepository> _groups;
    private readonly Lazy<SqliteResourcePolicyRepository> _resourcePolicies;
    private readonly Lazy<SqliteInsightRepository> _insights;
    private readonly Lazy<SqliteConsoleSessionStore> _consoleSessions;
    private readonly Lazy<SqliteSignInAttemptStore> _signInAttempts;
    private readonly Lazy<SqliteIndexingRuleRepository> _indexingRules;
    private readonly Lazy<SqliteTraceRetrievalRepository> _retrievals;

    private SqliteBackend(SqliteDatabase database, RootKeyRing rootKeys)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(rootKeys);
        Database = database;
        _chain = new AuditChain(rootKeys);
        const LazyThreadSafetyMode once = LazyThreadSafetyMode.ExecutionAndPublication;
        _audit = new Lazy<SqliteAuditLog>(() => new SqliteAuditLog(database, _chain), once);
        _keys = new Lazy<SqliteKeyRepository>(() => new SqliteKeyRepository(database, _audit.Value), once);
        _identities = new Lazy<SqliteIdentityRepository>(() => new SqliteIdentityRepository(database, _chain), once);
        _encryptionSettings = new Lazy<SqliteEncryptionSettingRepository>(() => new SqliteEncryptionSettingRepository(database), once);
        _serviceKeys = new Lazy<SqliteServiceKeyStore>(() => new SqliteServiceKeyStore(database, rootKeys), once);
        _rootKeySealed = new Lazy<SqliteRootKeyStore>(() => new SqliteRootKeyStore(database), once);
        _samplingRules = new Lazy<SqliteSamplingRuleRepository>(() => new SqliteSamplingRuleRepository(database), once);
        _groups = new Lazy<SqliteGroupRepository>(() => new SqliteGroupRepository(database), once);
        _resourcePolicies = new Lazy<SqliteResourcePolicyRepository>(() => new SqliteResourcePolicyRepository(database), once);
        _insights = new Lazy<SqliteInsightRepository>(() => new SqliteInsightRepository(database), once);
        _traces = new Lazy<SqliteTraceStore>(() => new SqliteTraceStore(database, TimeProvider.System), once);
        _consoleSessions = new Lazy<SqliteConsoleSessionStore>(() => new SqliteConsoleSessionStore(database), once);
        _signInAttempts = new Lazy<SqliteSignInAttemptStore>(() => new SqliteSignInAttemptStore(database), once);
        _indexingRules = new Lazy<SqliteIndexingRuleRepository>(() => new SqliteIndexingRuleRepository(database), once);
        _retrievals = new Lazy<SqliteTraceRetrievalRepository>(() => new SqliteTraceRetrievalRepository(database), once);
    }

    /// <summary>The database, for what only SQLite has (its tests, its file checks); the server reaches it through the repositories only.</summary>
    public SqliteDatabase Database { get; }

    /// <inheritdoc />
    public ITraceStore Traces => _traces.Value;

    /// <inheritdoc />
    public IStatisticsStore Statistics => _traces.Value;

    /// <inheritdoc />
    public IKeyRepository Keys => _keys.Value;

    /// <inheritdoc />
    public IAuditLog Audit => _audit.Value;

    /// <inheritdoc />
    public IIdentityRepository Identities => _identities.Value;

    /// <inheritdoc />
    public IEncryptionSettingRepository EncryptionSettings => _encryptionSettings.Value;

    /// <inheritdoc />
    public IServiceKeyStore ServiceKeys => _serviceKeys.Value;

    /// <inheritdoc />
    public IRootKeySealedStore RootKeySealed => _rootKeySealed.Value;

    /// <inheritdoc />
    public ISamplingRuleRepository SamplingRules => _samplingRules.Value;

    /// <inheritdoc />
    public IGroupRepository Groups => _groups.Value;

    /// <inheritdoc />
    public IResourcePolicyRepository ResourcePolicies => _resourcePolicies.Value;
    public IInsightRepository Insights => _insights.Value;

    /// <inheritdoc />
    public IConsoleSessionStore ConsoleSessions => _consoleSessions.Value;

    /// <inheritdoc />
    public ISignInAttemptStore SignInAttempts => _signInAttempts.Value;

    /// <inheritdoc />
    public IIndexingRuleRepository IndexingRules => _indexingRules.Value;
    public ITraceRetrievalRepository TraceRetrievals => _retrievals.Value;

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>, applies the schema, and serves its repositories, sealing under <paramref name="rootKeys"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a Tracevault database.</exception>
    public static SqliteBackend Open(string path, RootKeyRing rootKeys) => new(new SqliteDatabase(path), rootKeys);

    /// <summary>The files the database at <paramref name="path"/> is kept in (itself, its write-ahead log, shared memory and rollback journal), so they can be made owner-only before it is opened.</summary>
    public static IReadOnlyList<string> Files(string path) => [path, path + "-wal", path + "-shm", path + "-journal"];

    /// <summary>Refuses a file that is not a Tracevault database before anything writes to it.</summary>
    /// <exception cref="InvalidDataException">It is not.</exception>
    public static void CheckFile(string path) => SqliteDatabase.CheckHeader(path);

    /// <summary>Reads which root keys the database at <paramref name="path"/> expects without writing to it.</summary>
    /// <exception cref="System.Data.Common.DbException">The database cannot be read.</exception>
    public static StoredRootKeys ReadRootKeysBeforeOpening(string path) => SqliteRootKeyStore.ReadBeforeOpening(path);

    /// <summary>Runs SQLite's integrity check on the file at <paramref name="path"/>, read-only: its findings, none when the file is sound.</summary>
    public static IReadOnlyList<string> IntegrityCheck(string path) => SqliteDatabase.IntegrityCheck(path);

    /// <inheritdoc />
    public bool Answers()
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) > 0;
    }

    /// <inheritdoc />
    /// <remarks>The database file and its write-ahead log.</remarks>
    public long SizeBytes() => FileSize(Database.Path) + FileSize(Database.Path + "-wal");

    private static long FileSize(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
