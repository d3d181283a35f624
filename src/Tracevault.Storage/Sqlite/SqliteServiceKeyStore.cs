using Microsoft.Data.Sqlite;
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

    /// <summary>Re-seals the service key under the newest root key of <paramref name="newRing"/>, inside the caller's transaction.</summary>
    internal static void Reseal(SqliteConnection connection, SqliteTransaction transaction, RootKeyRing oldRing, RootKeyRing newRing)
    {
        var keys = new List<(long Version, byte[] Sealed)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT version, sealed_key FROM service_keys";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                keys.Add((reader.GetInt64(0), (byte[])reader[1]));
            }
        }

        foreach (var (version, sealedKey) in keys)
        {
            var aad = ServiceKey.SealingAssociatedData((int)version);
            var key = oldRing.Open(sealedKey, aad);
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE service_keys SET sealed_key = $sealed WHERE version = $version";
            update.Parameters.AddWithValue("$version", version);
            update.Parameters.AddWithValue("$sealed", newRing.Seal(key, aad));
            update.ExecuteNonQuery();
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }
}
