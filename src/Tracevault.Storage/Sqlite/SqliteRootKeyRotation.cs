using Tracevault.Keys.Identity;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Sqlite;

/// <summary>Re-seals everything sealed under the root key (KMS key material, access-key secrets and the service key) under the newest root key, in one transaction.</summary>
/// <remarks>
/// The only re-wrapping Tracevault ever does. Write the new ring (which keeps the old keys) before calling this: if the
/// process stops half-way, the transaction rolls back and everything still opens with the old root key.
/// </remarks>
public static class SqliteRootKeyRotation
{
    /// <summary>Re-seals every key version and access-key secret from <paramref name="oldRing"/> to the newest key of <paramref name="newRing"/>.</summary>
    /// <returns>How many key versions and access keys were re-sealed.</returns>
    public static (int KeyVersions, int AccessKeys) ResealAll(SqliteDatabase database, RootKeyRing oldRing, RootKeyRing newRing)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(oldRing);
        ArgumentNullException.ThrowIfNull(newRing);

        // Access-key secrets are re-sealed by the identity service, which knows their associated data; collect its writes.
        var collector = new CollectingIdentityRepository(new SqliteIdentityRepository(database));
        var accessKeys = IdentityService.ResealAll(collector, oldRing, newRing);

        using var connection = database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var versions = new List<(string KeyId, int Version, byte[] Sealed)>();
        using (var command = SqliteKeyRepository.Command(connection, transaction,
                   "SELECT v.key_id, v.version, v.sealed_material, k.arn FROM kms_key_versions v JOIN kms_keys k ON k.key_id = v.key_id ORDER BY v.key_id, v.version"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var keyId = reader.GetString(0);
                var version = reader.GetInt32(1);
                var aad = KeyService.KeyMaterialAssociatedData(reader.GetString(3), version);
                var material = oldRing.Open((byte[])reader[2], aad);
                versions.Add((keyId, version, newRing.Seal(material, aad)));
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(material);
            }
        }

        foreach (var (keyId, version, sealedMaterial) in versions)
        {
            SqliteKeyRepository.Execute(connection, transaction, "UPDATE kms_key_versions SET sealed_material = $material WHERE key_id = $id AND version = $version",
                ("$material", sealedMaterial), ("$id", keyId), ("$version", version));
        }

        foreach (var (accessKeyId, sealedSecret) in collector.Resealed)
        {
            SqliteKeyRepository.Execute(connection, transaction, "UPDATE access_keys SET sealed_secret = $secret WHERE id = $id", ("$secret", sealedSecret), ("$id", accessKeyId));
        }

        SqliteServiceKeyStore.Reseal(connection, transaction, oldRing, newRing);
        transaction.Commit();
        return (versions.Count, accessKeys);
    }
}
