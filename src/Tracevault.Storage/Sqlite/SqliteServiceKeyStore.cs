using System.Globalization;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Sqlite;

/// <summary>Keeps the versions of Tracevault's own service key in the database, each sealed under the root key (its version as associated data).</summary>
/// <remarks>
/// Thread-safe, and safe beside another process on the same file (a running server and <c>tracevault service-key rotate</c>): a new
/// version is numbered and inserted in one immediate transaction, so two rotations never take the same number, and a reader sees
/// it once committed (WAL).
/// </remarks>
public sealed class SqliteServiceKeyStore : IServiceKeyStore
{
    private readonly SqliteDatabase _database;
    private readonly RootKeyRing _rootKeys;

    /// <summary>Creates the store over an open database and the root keys that seal its versions.</summary>
    public SqliteServiceKeyStore(SqliteDatabase database, RootKeyRing rootKeys)
    {
        _database = database;
        _rootKeys = rootKeys;
    }

    /// <inheritdoc />
    public int CurrentVersion()
    {
        using var connection = _database.Open();
        using (var newest = SqliteKeyRepository.Command(connection, null, "SELECT MAX(version) FROM service_keys"))
        {
            if (newest.ExecuteScalar() is long version)
            {
                return Convert.ToInt32(version, CultureInfo.InvariantCulture);
            }
        }

        // The first use of a new database: version 1. Another process making it at the same moment keeps its own.
        SqliteKeyRepository.Execute(connection, null, "INSERT OR IGNORE INTO service_keys (version, sealed_key) VALUES (1, $sealed)", ("$sealed", Seal(1, ServiceKey.Generate())));
        return 1;
    }

    /// <inheritdoc />
    public ServiceKey? Find(int version)
    {
        using var connection = _database.Open();
        using var select = SqliteKeyRepository.Command(connection, null, "SELECT sealed_key FROM service_keys WHERE version = $version", ("$version", version));
        return select.ExecuteScalar() is byte[] sealedKey ? new ServiceKey(version, _rootKeys.Open(sealedKey, ServiceKey.SealingAssociatedData(version))) : null;
    }

    /// <inheritdoc />
    public ServiceKey Rotate()
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        int version;
        using (var newest = SqliteKeyRepository.Command(connection, transaction, "SELECT COALESCE(MAX(version), 0) + 1 FROM service_keys"))
        {
            version = Convert.ToInt32((long)newest.ExecuteScalar()!, CultureInfo.InvariantCulture);
        }

        var key = ServiceKey.Generate();
        SqliteKeyRepository.Execute(connection, transaction, "INSERT INTO service_keys (version, sealed_key) VALUES ($version, $sealed)", ("$version", version), ("$sealed", Seal(version, key)));
        transaction.Commit();
        return new ServiceKey(version, key);
    }

    private byte[] Seal(int version, byte[] key) => _rootKeys.Seal(key, ServiceKey.SealingAssociatedData(version));
}
