using Npgsql;
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

namespace Tracevault.Storage.Postgres;

/// <summary>The shared backend: every repository over one PostgreSQL database that any number of nodes use at once, and the one place that makes them.</summary>
/// <remarks>Thread-safe; see <see cref="IStorageBackend"/> for when each repository is made. Dispose it to close its connection pool.</remarks>
public sealed class PostgresBackend : IStorageBackend, IDisposable
{
    /// <summary>The advisory lock a node holds while it bootstraps a database ("TVBOOTST" as a number): reads its root keys, records its own, makes the first account.</summary>
    public const long BootstrapLock = 0x5456424F4F545354;

    private readonly AuditChain _chain;
    private readonly Lazy<PostgresAuditLog> _audit;
    private readonly Lazy<PostgresKeyRepository> _keys;
    private readonly Lazy<PostgresIdentityRepository> _identities;
    private readonly Lazy<PostgresEncryptionSettingRepository> _encryptionSettings;
    private readonly Lazy<PostgresServiceKeyStore> _serviceKeys;
    private readonly Lazy<PostgresRootKeyStore> _rootKeySealed;
    private readonly Lazy<PostgresTraceStore> _traces;
    private readonly Lazy<PostgresConsoleSessionStore> _consoleSessions;
    private readonly Lazy<PostgresSignInAttemptStore> _signInAttempts;
    private readonly Lazy<PostgresIndexingRuleRepository> _indexingRules;
    private readonly Lazy<PostgresTraceRetrievalRepository> _retrievals;
    private readonly Lazy<PostgresSamplingRuleRepository> _samplingRules;
    private readonly Lazy<PostgresGroupRepository> _groups;
    private readonly Lazy<PostgresResourcePolicyRepository> _resourcePolicies;
    private readonly Lazy<PostgresInsightRepository> _insights;

    private PostgresBackend(PostgresDatabase database, RootKeyRing rootKeys)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(rootKeys);
        Database = database;
        _chain = new AuditChain(rootKeys);
        const LazyThreadSafetyMode once = LazyThreadSafetyMode.ExecutionAndPublication;
        _audit = new Lazy<PostgresAuditLog>(() => new PostgresAuditLog(database, _chain), once);
        _keys = new Lazy<PostgresKeyRepository>(() => new PostgresKeyRepository(database, _audit.Value), once);
        _identities = new Lazy<PostgresIdentityRepository>(() => new PostgresIdentityRepository(database, _chain), once);
        _encryptionSettings = new Lazy<PostgresEncryptionSettingRepository>(() => new PostgresEncryptionSettingRepository(database), once);
        _serviceKeys = new Lazy<PostgresServiceKeyStore>(() => new PostgresServiceKeyStore(database, rootKeys), once);
        _rootKeySealed = new Lazy<PostgresRootKeyStore>(() => new PostgresRootKeyStore(database), once);
        _traces = new Lazy<PostgresTraceStore>(() => new PostgresTraceStore(database), once);
        _consoleSessions = new Lazy<PostgresConsoleSessionStore>(() => new PostgresConsoleSessionStore(database), once);
        _signInAttempts = new Lazy<PostgresSignInAttemptStore>(() => new PostgresSignInAttemptStore(database), once);
        _indexingRules = new Lazy<PostgresIndexingRuleRepository>(() => new PostgresIndexingRuleRepository(database), once);
        _retrievals = new Lazy<PostgresTraceRetrievalRepository>(() => new PostgresTraceRetrievalRepository(database), once);
        _samplingRules = new Lazy<PostgresSamplingRuleRepository>(() => new PostgresSamplingRuleRepository(database), once);
        _groups = new Lazy<PostgresGroupRepository>(() => new PostgresGroupRepository(database), once);
        _resourcePolicies = new Lazy<PostgresResourcePolicyRepository>(() => new PostgresResourcePolicyRepository(database), once);
        _insights = new Lazy<PostgresInsightRepository>(() => new PostgresInsightRepository(database), once);
    }

    /// <summary>The database, for what only PostgreSQL has (its tests); the server reaches it through the repositories only.</summary>
    public PostgresDatabase Database { get; }

    /// <summary>Where the database is (never its password), for messages and logs.</summary>
    public string Where => Database.Where;

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
    public IConsoleSessionStore ConsoleSessions => _consoleSessions.Value;

    /// <inheritdoc />
    public ISignInAttemptStore SignInAttempts => _signInAttempts.Value;

    /// <inheritdoc />
    public IIndexingRuleRepository IndexingRules => _indexingRules.Value;
    public ITraceRetrievalRepository TraceRetrievals => _retrievals.Value;

    /// <inheritdoc />
    public ISamplingRuleRepository SamplingRules => _samplingRules.Value;

    /// <inheritdoc />
    public IGroupRepository Groups => _groups.Value;

    /// <inheritdoc />
    public IResourcePolicyRepository ResourcePolicies => _resourcePolicies.Value;
    public IInsightRepository Insights => _insights.Value;

    /// <summary>Connects to the database <paramref name="connection"/> names, applies the schema (safe while other nodes do too), and serves its repositories, sealing under <paramref name="rootKeys"/>.</summary>
    /// <exception cref="NpgsqlException">The database cannot be reached.</exception>
    public static PostgresBackend Open(NpgsqlConnectionStringBuilder connection, RootKeyRing rootKeys) => new(new PostgresDatabase(connection), rootKeys);

    /// <summary>Reads which root keys the database <paramref name="connection"/> names expects, without applying the schema or writing anything: none for an empty database.</summary>
    /// <exception cref="NpgsqlException">The database cannot be read.</exception>
    public static StoredRootKeys ReadRootKeysBeforeOpening(NpgsqlConnectionStringBuilder connection) =>
        PostgresRootKeyStore.ReadBeforeOpening(new NpgsqlConnectionStringBuilder(Unpooled(connection)));

    /// <summary>Holds <see cref="BootstrapLock"/> on a connection of its own until disposed, so of several nodes bootstrapping one database at once each finds what the one before it made.</summary>
    /// <remarks>A session lock: a node that dies holding it loses it with its connection.</remarks>
    /// <exception cref="NpgsqlException">The database cannot be reached.</exception>
    public static IDisposable LockBootstrap(NpgsqlConnectionStringBuilder connection)
    {
        var opened = new NpgsqlConnection(Unpooled(connection));
        try
        {
            opened.Open();
            using var command = new NpgsqlCommand("SELECT pg_advisory_lock($1)", opened);
            command.Parameters.AddWithValue(BootstrapLock);
            command.ExecuteNonQuery();
            return opened;
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public bool Answers()
    {
        using var connection = Database.Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM schema_versions", connection);
        return (long)command.ExecuteScalar()! > 0;
    }

    /// <inheritdoc />
    /// <remarks>The database's size on its server (tables, indexes, TOAST), as <c>pg_database_size</c> counts it.</remarks>
    public long SizeBytes()
    {
        using var connection = Database.Open();
        using var command = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
        return (long)command.ExecuteScalar()!;
    }

    /// <inheritdoc />
    public void Dispose() => Database.Dispose();

    private static string Unpooled(NpgsqlConnectionStringBuilder connection) =>
        new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false }.ConnectionString;
}
