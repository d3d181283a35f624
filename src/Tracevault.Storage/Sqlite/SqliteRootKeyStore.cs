using System.Globalization;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Identity;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Sqlite;

/// <summary>Everything the database keeps sealed under the root keys (KMS key versions, access-key secrets, the service key) and the root keys it expects.</summary>
public sealed class SqliteRootKeyStore : IRootKeySealedStore
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store over an open database.</summary>
    public SqliteRootKeyStore(SqliteDatabase database) => _database = database;

    /// <summary>Reads which root keys the database at <paramref name="databasePath"/> expects, on a read-only connection and without applying the schema, so a database that turns out to belong to another root key is left as it was.</summary>
    public static StoredRootKeys ReadBeforeOpening(string databasePath)
    {
        // With no write-ahead log the file is whole and closed: read it as immutable, so SQLite makes no -wal or -shm file
        // beside it. With one, a connection (or a crash) left it there and a read-only connection adds nothing to it.
        var immutable = !File.Exists(databasePath + "-wal");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = immutable ? new Uri(Path.GetFullPath(databasePath)).AbsoluteUri + "?immutable=1" : databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        var tables = new HashSet<string>(StringComparer.Ordinal);
        using (var command = SqliteKeyRepository.Command(connection, null, "SELECT name FROM sqlite_master WHERE type = 'table'"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var recorded = new List<RootKeyCheck>();
        if (tables.Contains("root_keys"))
        {
            using var command = SqliteKeyRepository.Command(connection, null, "SELECT key_id, check_value FROM root_keys ORDER BY key_id");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                recorded.Add(new RootKeyCheck(reader.GetInt32(0), (byte[])reader[1]));
            }
        }

        if (recorded.Count > 0)
        {
            return new StoredRootKeys(recorded, []);
        }

        // Written before root keys were recorded: one blob per root key it uses shows whether a ring opens it.
        var samples = new Dictionary<int, RootSealedBlob>();
        foreach (var (_, blob) in ReadSealed(connection, null, tables))
        {
            samples.TryAdd(RootKeyRing.SealingKeyId(blob.Sealed), blob);
        }

        return new StoredRootKeys([], samples.Values.ToArray());
    }

    /// <inheritdoc />
    public void Record(IReadOnlyList<RootKeyCheck> checks)
    {
        ArgumentNullException.ThrowIfNull(checks);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        RecordChecks(connection, transaction, checks);
        transaction.Commit();
    }

    /// <inheritdoc />
    public int CountSealed()
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null,
            "SELECT (SELECT COUNT(*) FROM kms_key_versions v JOIN kms_keys k ON k.key_id = v.key_id) + (SELECT COUNT(*) FROM access_keys) + (SELECT COUNT(*) FROM service_keys)");
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public RootKeyResealCounts ResealAll(Func<RootSealedBlob, byte[]> reseal, IReadOnlyList<RootKeyCheck> checks, Action beforeCommit)
    {
        ArgumentNullException.ThrowIfNull(reseal);
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(beforeCommit);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        int keyVersions = 0, accessKeys = 0, serviceKeys = 0;
        foreach (var (row, blob) in ReadSealed(connection, transaction, tables: null).ToList())
        {
            var resealed = reseal(blob);
            switch (row)
            {
                case KeyVersionRow version:
                    SqliteKeyRepository.Execute(connection, transaction, "UPDATE kms_key_versions SET sealed_material = $sealed WHERE key_id = $id AND version = $version",
                        ("$sealed", resealed), ("$id", version.KeyId), ("$version", version.Version));
                    keyVersions++;
                    break;
                case AccessKeyRow accessKey:
                    SqliteKeyRepository.Execute(connection, transaction, "UPDATE access_keys SET sealed_secret = $sealed WHERE id = $id", ("$sealed", resealed), ("$id", accessKey.Id));
                    accessKeys++;
                    break;
                case ServiceKeyRow serviceKey:
                    SqliteKeyRepository.Execute(connection, transaction, "UPDATE service_keys SET sealed_key = $sealed WHERE version = $version", ("$sealed", resealed), ("$version", serviceKey.Version));
                    serviceKeys++;
                    break;
            }
        }

        RecordChecks(connection, transaction, checks);
        beforeCommit();
        transaction.Commit();
        return new RootKeyResealCounts(keyVersions, accessKeys, serviceKeys);
    }

    /// <inheritdoc />
    public long Forget(int keyId, AuditChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (keyId == chain.CurrentKeyId)
        {
            throw new ArgumentException("The current root key is never forgotten.", nameof(keyId));
        }

        // Opening the log seals its first head, so every record is linked under a root key before it is looked at.
        var audit = new SqliteAuditLog(_database, chain);
        long relinked;
        using (var connection = _database.Open())
        using (var transaction = connection.BeginTransaction(deferred: false))
        {
            int keyVersions = 0, accessKeys = 0, serviceKeys = 0;
            foreach (var (row, blob) in ReadSealed(connection, transaction, tables: null))
            {
                if (RootKeyRing.SealingKeyId(blob.Sealed) != keyId)
                {
                    continue;
                }

                _ = row switch
                {
                    KeyVersionRow => keyVersions++,
                    AccessKeyRow => accessKeys++,
                    _ => serviceKeys++,
                };
            }

            if (keyVersions + accessKeys + serviceKeys > 0)
            {
                throw new RootKeyInUseException(string.Create(CultureInfo.InvariantCulture,
                    $"root key {keyId} still seals {keyVersions} key version(s), {accessKeys} access key(s) and {serviceKeys} service key(s): run 'tracevault root-key rotate' to re-seal everything under a newer key, then retire {keyId}"));
            }

            relinked = audit.RelinkWithin(connection, transaction, keyId);
            SqliteKeyRepository.Execute(connection, transaction, "DELETE FROM root_keys WHERE key_id = $id", ("$id", keyId));
            transaction.Commit();
        }

        // The pages the rotation and the re-linking replaced still sit in the write-ahead log, where the retired key opens them.
        using (var connection = _database.Open())
        using (var checkpoint = SqliteKeyRepository.Command(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)"))
        using (var reader = checkpoint.ExecuteReader())
        {
            if (reader.Read() && reader.GetInt64(0) != 0)
            {
                throw new IOException("the database's write-ahead log, which still holds pages the retired key opens, could not be checkpointed because another connection is using it: stop the server");
            }
        }

        return relinked;
    }

    private static void RecordChecks(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<RootKeyCheck> checks)
    {
        foreach (var check in checks)
        {
            SqliteKeyRepository.Execute(connection, transaction, "INSERT OR IGNORE INTO root_keys (key_id, check_value) VALUES ($id, $check)", ("$id", check.KeyId), ("$check", check.Value));
        }
    }

    /// <summary>Every blob sealed under a root key, with the row it sits in; <paramref name="tables"/> limits it to the tables that exist (null: all do).</summary>
    private static IEnumerable<(object Row, RootSealedBlob Blob)> ReadSealed(SqliteConnection connection, SqliteTransaction? transaction, HashSet<string>? tables)
    {
        if (tables is null || (tables.Contains("kms_key_versions") && tables.Contains("kms_keys")))
        {
            using var command = SqliteKeyRepository.Command(connection, transaction,
                "SELECT v.key_id, v.version, v.sealed_material, k.arn FROM kms_key_versions v JOIN kms_keys k ON k.key_id = v.key_id ORDER BY v.key_id, v.version");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var version = reader.GetInt32(1);
                yield return (new KeyVersionRow(reader.GetString(0), version), new RootSealedBlob((byte[])reader[2], KeyService.KeyMaterialAssociatedData(reader.GetString(3), version)));
            }
        }

        if (tables is null || tables.Contains("access_keys"))
        {
            using var command = SqliteKeyRepository.Command(connection, transaction, "SELECT id, sealed_secret FROM access_keys ORDER BY id");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                yield return (new AccessKeyRow(id), new RootSealedBlob((byte[])reader[1], IdentityService.AccessKeyAssociatedData(id)));
            }
        }

        if (tables is null || tables.Contains("service_keys"))
        {
            using var command = SqliteKeyRepository.Command(connection, transaction, "SELECT version, sealed_key FROM service_keys ORDER BY version");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var version = Convert.ToInt32(reader.GetInt64(0), CultureInfo.InvariantCulture);
                yield return (new ServiceKeyRow(version), new RootSealedBlob((byte[])reader[1], ServiceKey.SealingAssociatedData(version)));
            }
        }
    }

    private sealed record KeyVersionRow(string KeyId, int Version);

    private sealed record AccessKeyRow(string Id);

    private sealed record ServiceKeyRow(int Version);
}
