using System.Data;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Postgres;

/// <summary>Keeps the versions of Tracevault's own service key in PostgreSQL, each sealed under the root key (its version as associated data), shared by every node.</summary>
/// <remarks>
/// Thread-safe, and safe beside other nodes and commands on the same database: a new version is numbered and inserted in one
/// transaction under the advisory lock <see cref="RotateLock"/>, so two rotations never take the same number, and every node
/// sees it once committed.
/// </remarks>
public sealed class PostgresServiceKeyStore : IServiceKeyStore
{
    /// <summary>The advisory lock a rotation holds while it numbers and inserts a version ("TVSVCKEY" as a number).</summary>
    public const long RotateLock = 0x5456_5356_434B_4559;

    private readonly PostgresDatabase _database;
    private readonly RootKeyRing _rootKeys;

    /// <summary>Creates the store over a database and the root keys that seal its versions.</summary>
    public PostgresServiceKeyStore(PostgresDatabase database, RootKeyRing rootKeys)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(rootKeys);
        _database = database;
        _rootKeys = rootKeys;
    }

    /// <inheritdoc />
    public int CurrentVersion()
    {
        using var connection = _database.Open();
        if (Newest(connection) is { } version)
        {
            return version;
        }

        // The first use of a new database: version 1. Another node making it at the same moment keeps its own, and both read it.
        PostgresSql.Execute(connection, null, "INSERT INTO service_keys (version, sealed_key) VALUES (1, $1) ON CONFLICT (version) DO NOTHING", Seal(1, ServiceKey.Generate()));
        return Newest(connection) ?? 1;
    }

    /// <inheritdoc />
    public ServiceKey? Find(int version)
    {
        using var connection = _database.Open();
        using var select = PostgresSql.Command(connection, null, "SELECT sealed_key FROM service_keys WHERE version = $1", version);
        return select.ExecuteScalar() is byte[] sealedKey ? new ServiceKey(version, _rootKeys.Open(sealedKey, ServiceKey.SealingAssociatedData(version))) : null;
    }

    /// <inheritdoc />
    public ServiceKey Rotate()
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        PostgresSql.LockForTransaction(connection, transaction, RotateLock);
        int version;
        using (var newest = PostgresSql.Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) + 1 FROM service_keys"))
        {
            version = (int)newest.ExecuteScalar()!;
        }

        var key = ServiceKey.Generate();
        PostgresSql.Execute(connection, transaction, "INSERT INTO service_keys (version, sealed_key) VALUES ($1, $2)", version, Seal(version, key));
        transaction.Commit();
        return new ServiceKey(version, key);
    }

    private static int? Newest(Npgsql.NpgsqlConnection connection)
    {
        using var newest = PostgresSql.Command(connection, null, "SELECT MAX(version) FROM service_keys");
        return newest.ExecuteScalar() is int version ? version : null;
    }

    private byte[] Seal(int version, byte[] key) => _rootKeys.Seal(key, ServiceKey.SealingAssociatedData(version));
}
