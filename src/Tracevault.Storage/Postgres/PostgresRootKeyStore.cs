using System.Data;
using System.Globalization;
using Npgsql;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Identity;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Postgres;

/// <summary>Everything the PostgreSQL database keeps sealed under the root keys (KMS key versions, access-key secrets, service-key versions) and the root keys it expects.</summary>
/// <remarks>A table another part of the schema owns is read only when it exists, so the store works whichever parts a database holds.</remarks>
public sealed class PostgresRootKeyStore : IRootKeySealedStore
{
    /// <summary>The tables that hold blobs sealed under a root key (<c>access_keys</c> is the identity part's).</summary>
    private static readonly string[] SealedTables = ["kms_key_versions", "access_keys", "service_keys"];

    /// <summary>Every table this store reads, when it exists.</summary>
    private static readonly string[] KnownTables = ["root_keys", "kms_keys", .. SealedTables];

    private readonly PostgresDatabase _database;

    /// <summary>Creates the store over a database.</summary>
    public PostgresRootKeyStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>
    /// Reads which root keys the database <paramref name="connection"/> names expects, in a read-only transaction and without
    /// applying the schema (no <see cref="PostgresDatabase"/> is made), so a node whose root key turns out to be another's
    /// refuses before it writes anything. An empty database expects none.
    /// </summary>
    /// <exception cref="NpgsqlException">The database cannot be reached or read.</exception>
    public static StoredRootKeys ReadBeforeOpening(NpgsqlConnectionStringBuilder connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var opened = new NpgsqlConnection(connection.ConnectionString);
        opened.Open();
        using var transaction = opened.BeginTransaction(IsolationLevel.RepeatableRead);
        PostgresSql.Execute(opened, transaction, "SET TRANSACTION READ ONLY");
        var tables = ExistingTables(opened, transaction);
        var recorded = new List<RootKeyCheck>();
        if (tables.Contains("root_keys"))
        {
            using var command = PostgresSql.Command(opened, transaction, "SELECT key_id, check_value FROM root_keys ORDER BY key_id");
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

        // Sealed blobs without recorded root keys (a store copied in before they were recorded): one per root key shows whether a ring opens it.
        var samples = new Dictionary<int, RootSealedBlob>();
        foreach (var (_, blob) in ReadSealed(opened, transaction, tables))
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
        using var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        RecordChecks(connection, transaction, checks);
        transaction.Commit();
    }

    /// <inheritdoc />
    public int CountSealed()
    {
        using var connection = _database.Open();
        var tables = ExistingTables(connection, null);
        var count = 0L;
        if (tables.Contains("kms_key_versions") && tables.Contains("kms_keys"))
        {
            count += Count(connection, "SELECT COUNT(*) FROM kms_key_versions v JOIN kms_keys k ON k.key_id = v.key_id");
        }

        foreach (var table in SealedTables.Skip(1).Where(tables.Contains))
        {
            count += Count(connection, $"SELECT COUNT(*) FROM {table}");
        }

        return checked((int)count);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The sealed tables are locked against writes (reads go on) for the transaction, and KMS changes queue behind
    /// <see cref="PostgresKeyRepository.ChangeLock"/>, so a blob another node writes meanwhile is neither missed nor lost.
    /// </remarks>
    public RootKeyResealCounts ResealAll(Func<RootSealedBlob, byte[]> reseal, IReadOnlyList<RootKeyCheck> checks, Action beforeCommit)
    {
        ArgumentNullException.ThrowIfNull(reseal);
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(beforeCommit);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted);
        var tables = LockSealedTables(connection, transaction);
        int keyVersions = 0, accessKeys = 0, serviceKeys = 0;
        foreach (var (row, blob) in ReadSealed(connection, transaction, tables).ToList())
        {
            var resealed = reseal(blob);
            switch (row)
            {
                case KeyVersionRow version:
                    PostgresSql.Execute(connection, transaction, "UPDATE kms_key_versions SET sealed_material = $1 WHERE key_id = $2 AND version = $3", resealed, version.KeyId, version.Version);
                    keyVersions++;
                    break;
                case AccessKeyRow accessKey:
                    PostgresSql.Execute(connection, transaction, "UPDATE access_keys SET sealed_secret = $1 WHERE id = $2", resealed, accessKey.Id);
                    accessKeys++;
                    break;
                case ServiceKeyRow serviceKey:
                    PostgresSql.Execute(connection, transaction, "UPDATE service_keys SET sealed_key = $1 WHERE version = $2", resealed, serviceKey.Version);
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
    /// <remarks>
    /// After the transaction, the sealed tables are rewritten by <c>VACUUM FULL</c>, so the rows a rotation replaced (blobs the
    /// retired key opens) no longer sit in their heap pages; it waits for the tables' readers. The write-ahead log's records of
    /// those rows stay until their segments are recycled, and archived WAL, replicas' WAL and base backups keep them as long
    /// as they are kept.
    /// </remarks>
    public long Forget(int keyId, AuditChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (keyId == chain.CurrentKeyId)
        {
            throw new ArgumentException("The current root key is never forgotten.", nameof(keyId));
        }

        // Opening the log seals its first head, so every record is linked under a root key before it is looked at.
        var audit = new PostgresAuditLog(_database, chain);
        long relinked;
        HashSet<string> tables;
        using (var connection = _database.Open())
        using (var transaction = connection.BeginTransaction(IsolationLevel.ReadCommitted))
        {
            tables = LockSealedTables(connection, transaction);
            int keyVersions = 0, accessKeys = 0, serviceKeys = 0;
            foreach (var (row, blob) in ReadSealed(connection, transaction, tables))
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
            PostgresSql.Execute(connection, transaction, "DELETE FROM root_keys WHERE key_id = $1", keyId);
            transaction.Commit();
        }

        using (var connection = _database.Open())
        {
            // VACUUM FULL keeps every row version a snapshot still held may see: wait (30 s at most) for
            // the transactions open now to end, so the versions the rotation replaced are dead to all of them.
            PostgresSql.WaitForOpenTransactions(connection, TimeSpan.FromSeconds(30));
            foreach (var table in SealedTables.Where(tables.Contains))
            {
                // VACUUM runs outside a transaction block: a command of its own. The names are this class's constants.
                PostgresSql.Execute(connection, null, $"VACUUM (FULL) {table}");
            }
        }

        return relinked;
    }

    private static void RecordChecks(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<RootKeyCheck> checks)
    {
        foreach (var check in checks)
        {
            PostgresSql.Execute(connection, transaction, "INSERT INTO root_keys (key_id, check_value) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING", check.KeyId, check.Value);
        }
    }

    /// <summary>Queues behind KMS changes and locks every sealed table that exists against writes until the transaction ends; returns the tables that exist.</summary>
    private static HashSet<string> LockSealedTables(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        PostgresSql.LockForTransaction(connection, transaction, PostgresKeyRepository.ChangeLock);
        var tables = ExistingTables(connection, transaction);
        foreach (var table in SealedTables.Where(tables.Contains))
        {
            PostgresSql.Execute(connection, transaction, $"LOCK TABLE {table} IN EXCLUSIVE MODE");
        }

        return tables;
    }

    /// <summary>Which of the tables this store reads exist in the database.</summary>
    private static HashSet<string> ExistingTables(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        var tables = new HashSet<string>(StringComparer.Ordinal);
        using var command = PostgresSql.Command(connection, transaction,
            "SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL", (object)KnownTables);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    private static long Count(NpgsqlConnection connection, string sql)
    {
        using var command = PostgresSql.Command(connection, null, sql);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Every blob sealed under a root key, with the row it sits in, from the tables that exist.</summary>
    private static IEnumerable<(object Row, RootSealedBlob Blob)> ReadSealed(NpgsqlConnection connection, NpgsqlTransaction transaction, HashSet<string> tables)
    {
        if (tables.Contains("kms_key_versions") && tables.Contains("kms_keys"))
        {
            using var command = PostgresSql.Command(connection, transaction,
                "SELECT v.key_id, v.version, v.sealed_material, k.arn FROM kms_key_versions v JOIN kms_keys k ON k.key_id = v.key_id ORDER BY v.key_id, v.version");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var version = reader.GetInt32(1);
                yield return (new KeyVersionRow(reader.GetString(0), version), new RootSealedBlob((byte[])reader[2], KeyService.KeyMaterialAssociatedData(reader.GetString(3), version)));
            }
        }

        if (tables.Contains("access_keys"))
        {
            using var command = PostgresSql.Command(connection, transaction, "SELECT id, sealed_secret FROM access_keys ORDER BY id");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var id = reader.GetString(0);
                yield return (new AccessKeyRow(id), new RootSealedBlob((byte[])reader[1], IdentityService.AccessKeyAssociatedData(id)));
            }
        }

        if (tables.Contains("service_keys"))
        {
            using var command = PostgresSql.Command(connection, transaction, "SELECT version, sealed_key FROM service_keys ORDER BY version");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var version = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                yield return (new ServiceKeyRow(version), new RootSealedBlob((byte[])reader[1], ServiceKey.SealingAssociatedData(version)));
            }
        }
    }

    private sealed record KeyVersionRow(string KeyId, int Version);

    private sealed record AccessKeyRow(string Id);

    private sealed record ServiceKeyRow(int Version);
}
