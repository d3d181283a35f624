using System.Text.Json;
using Npgsql;
using Tracevault.Keys.Kms;

namespace Tracevault.Storage.Postgres;

/// <summary>KMS keys, their sealed versions, aliases and grants in PostgreSQL, shared by every node.</summary>
/// <remarks>Key metadata is kept as appended revisions; only the sealed form of key material is ever stored. Reads see committed state. Thread-safe.</remarks>
public sealed class PostgresKeyRepository : IKeyRepository
{
    /// <summary>The advisory lock a change holds from its first statement until it commits or rolls back ("TVKMS" as a number), so KMS writers on every node queue as SQLite's immediate transactions do.</summary>
    public const long ChangeLock = 0x5456_4B4D_5300;

    /// <summary>How long erasing waits for the key-material table's readers before it reports that it could not finish now.</summary>
    private const string EraseLockTimeout = "2s";

    private const string NewestRevision = "SELECT r.metadata FROM kms_key_revisions r WHERE r.key_id = k.key_id ORDER BY r.revision DESC LIMIT 1";
    private const string VersionColumns = "key_id, version, sealed_material, created_at, rotation_type";
    private const string AliasColumns = "account_id, alias_name, target_key_id, created_at, updated_at";

    private readonly PostgresDatabase _database;
    private readonly PostgresAuditLog _audit;

    /// <summary>Creates the repository over a database and the audit trail in it, which every change is committed with.</summary>
    public PostgresKeyRepository(PostgresDatabase database, PostgresAuditLog audit)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(audit);
        _database = database;
        _audit = audit;
    }

    /// <inheritdoc />
    public IKeyChanges BeginChanges() => new PostgresKeyChanges(_database, _audit);

    /// <summary>A number that grows with every committed change of any node's repository over this database: polled to notice other nodes' changes.</summary>
    public long ReadChangeNumber()
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "SELECT number FROM kms_change_number WHERE id = 1");
        return (long)command.ExecuteScalar()!;
    }

    /// <inheritdoc />
    public KmsKey? FindKey(string keyId)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, $"SELECT ({NewestRevision}) FROM kms_keys k WHERE k.key_id = $1", keyId);
        return command.ExecuteScalar() is string json ? ReadKey(json) : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsKey> ListKeys(string accountId)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, $"SELECT ({NewestRevision}) FROM kms_keys k WHERE k.account_id = $1 ORDER BY k.created_at, k.key_id", accountId);
        return ReadKeys(command);
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsKey> ListKeysWithExpiringMaterial()
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, """
            SELECT r.metadata FROM kms_key_revisions r
            WHERE (r.metadata::jsonb ->> 'ValidTo') IS NOT NULL AND r.revision = (SELECT MAX(revision) FROM kms_key_revisions x WHERE x.key_id = r.key_id)
            ORDER BY r.key_id
            """);
        return ReadKeys(command);
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsKey> ListKeysPendingDeletion()
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, """
            SELECT r.metadata FROM kms_key_revisions r
            WHERE r.state = 'PendingDeletion' AND r.revision = (SELECT MAX(revision) FROM kms_key_revisions x WHERE x.key_id = r.key_id)
            ORDER BY r.key_id
            """);
        return ReadKeys(command);
    }

    /// <inheritdoc />
    /// <remarks>
    /// A deleted row stays in its table's heap pages until a vacuum removes it, and a plain <c>VACUUM</c> only marks its space
    /// free (the bytes stay in the page until reused). So this runs <c>VACUUM FULL</c> on <c>kms_key_versions</c>, the one table
    /// that holds key material: the table is rewritten into new files without the deleted rows and the old files are removed.
    /// It first waits (30 s at most) for the transactions open in the database to end, since the rewrite keeps every row version
    /// an open snapshot may still see. It takes the table's exclusive lock (reads of key versions wait for the rewrite, which is short: the table holds one small
    /// row per key version) and gives up, answering false, when readers keep the lock from it for two seconds.
    /// What PostgreSQL may still hold after it, sealed under the root key as it was stored: the write-ahead log's records of the
    /// rows' inserts, until their segments are recycled (after later checkpoints) — and for as long as they are kept, in
    /// archived WAL, on streaming replicas and in base backups; and the removed files' blocks on the file system until reused.
    /// </remarks>
    public bool EraseDestroyedMaterial()
    {
        using var connection = _database.Open();
        // VACUUM FULL keeps every row version a snapshot still held may see: wait (30 s at most) for those
        // open now to end, so a destroyed version no snapshot needs is not copied into the rewritten table.
        PostgresSql.WaitForOpenTransactions(connection, TimeSpan.FromSeconds(30));
        PostgresSql.Execute(connection, null, $"SET lock_timeout = '{EraseLockTimeout}'");
        try
        {
            // VACUUM runs outside a transaction block: a command of its own, never in a batch.
            PostgresSql.Execute(connection, null, "VACUUM (FULL) kms_key_versions");
            return true;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }
        finally
        {
            PostgresSql.Execute(connection, null, "RESET lock_timeout");
        }
    }

    /// <inheritdoc />
    public KeyVersion? FindVersion(string keyId, int version)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, $"SELECT {VersionColumns} FROM kms_key_versions WHERE key_id = $1 AND version = $2", keyId, version);
        return ReadVersions(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyVersion> ListVersions(string keyId)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, $"SELECT {VersionColumns} FROM kms_key_versions WHERE key_id = $1 ORDER BY version", keyId);
        return ReadVersions(command);
    }

    /// <inheritdoc />
    public KmsAlias? FindAlias(string accountId, string aliasName)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, $"SELECT {AliasColumns} FROM kms_aliases WHERE account_id = $1 AND alias_name = $2", accountId, aliasName);
        return ReadAliases(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsAlias> ListAliases(string accountId)
    {
        using var connection = _database.Open();

        // COLLATE "C": ordered by code point, as SQLite's BINARY collation orders them, whatever the database's locale.
        using var command = PostgresSql.Command(connection, null, $"SELECT {AliasColumns} FROM kms_aliases WHERE account_id = $1 ORDER BY alias_name COLLATE \"C\"", accountId);
        return ReadAliases(command);
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsGrant> ListGrants(string keyId)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "SELECT data FROM kms_grants WHERE key_id = $1 ORDER BY created_at, grant_id COLLATE \"C\"", keyId);
        var grants = new List<KmsGrant>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            grants.Add(JsonSerializer.Deserialize(reader.GetString(0), PostgresKmsJsonContext.Default.KmsGrant)!);
        }

        return grants;
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsGrant> ListGrantsByRetiringPrincipal(string retiringPrincipal)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null,
            "SELECT data FROM kms_grants WHERE data::jsonb ->> 'RetiringPrincipal' = $1 ORDER BY created_at, grant_id COLLATE \"C\"", retiringPrincipal);
        var grants = new List<KmsGrant>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            grants.Add(JsonSerializer.Deserialize(reader.GetString(0), PostgresKmsJsonContext.Default.KmsGrant)!);
        }

        return grants;
    }

    internal static void InsertRevision(NpgsqlConnection connection, NpgsqlTransaction transaction, KmsKey key) =>
        PostgresSql.Execute(connection, transaction, "INSERT INTO kms_key_revisions (key_id, revision, state, revised_at, metadata) VALUES ($1, $2, $3, $4, $5)",
            key.KeyId, key.Revision, key.State.ToString(), key.RevisedAt.ToUnixTimeMilliseconds(), JsonSerializer.Serialize(key, PostgresKmsJsonContext.Default.KmsKey));

    internal static void InsertVersion(NpgsqlConnection connection, NpgsqlTransaction transaction, KeyVersion version) =>
        PostgresSql.Execute(connection, transaction, $"INSERT INTO kms_key_versions ({VersionColumns}) VALUES ($1, $2, $3, $4, $5::text)",
            version.KeyId, version.Version, version.SealedMaterial, version.CreatedAt.ToUnixTimeMilliseconds(), version.RotationType);

    private static KmsKey ReadKey(string json) => JsonSerializer.Deserialize(json, PostgresKmsJsonContext.Default.KmsKey)!;

    private static List<KmsKey> ReadKeys(NpgsqlCommand command)
    {
        var keys = new List<KmsKey>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(ReadKey(reader.GetString(0)));
        }

        return keys;
    }

    private static List<KeyVersion> ReadVersions(NpgsqlCommand command)
    {
        var versions = new List<KeyVersion>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            versions.Add(new KeyVersion(reader.GetString(0), reader.GetInt32(1), (byte[])reader[2], DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return versions;
    }

    private static List<KmsAlias> ReadAliases(NpgsqlCommand command)
    {
        var aliases = new List<KmsAlias>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            aliases.Add(new KmsAlias(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return aliases;
    }
}
