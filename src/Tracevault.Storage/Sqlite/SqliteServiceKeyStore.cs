using Tracevault.Keys.Envelope;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Sqlite;

/// <summary>Keeps Tracevault's own service key in the database, sealed under the root key.</summary>
public static class SqliteServiceKeyStore
{
    private const int Version = 1;

    /// <summary>Loads the service key, creating it on first use.</summary>
    public static ServiceKey LoadOrCreate(SqliteDatabase database, RootKeyRing rootKeys)
    {
        using var connection = database.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT OR IGNORE INTO service_keys (version, sealed_key) VALUES ($version, $sealed)";
        insert.Parameters.AddWithValue("$version", Version);
        insert.Parameters.AddWithValue("$sealed", rootKeys.Seal(ServiceKey.Generate(), ServiceKey.SealingAssociatedData(Version)));
        insert.ExecuteNonQuery();

        using var select = connection.CreateCommand();
        select.CommandText = "SELECT sealed_key FROM service_keys WHERE version = $version";
        select.Parameters.AddWithValue("$version", Version);
        var sealedKey = (byte[])select.ExecuteScalar()!;
        return new ServiceKey(Version, rootKeys.Open(sealedKey, ServiceKey.SealingAssociatedData(Version)));
    }
}
