using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.Kms;

namespace Tracevault.Storage.Sqlite;

/// <summary>KMS keys, their sealed versions, aliases and grants in the SQLite database.</summary>
/// <remarks>Key metadata is kept as appended revisions; only the sealed form of key material is ever stored.</remarks>
public sealed class SqliteKeyRepository : IKeyRepository
{
    private const string NewestRevision = "SELECT r.metadata FROM kms_key_revisions r WHERE r.key_id = k.key_id ORDER BY r.revision DESC LIMIT 1";

    private readonly SqliteDatabase _database;
    private readonly SqliteAuditLog _audit;

    /// <summary>Creates the repository over a database and the audit trail in it, which every change is committed with.</summary>
    public SqliteKeyRepository(SqliteDatabase database, SqliteAuditLog audit)
    {
        _database = database;
        _audit = audit;
    }

    /// <inheritdoc />
    public IKeyChanges BeginChanges() => new SqliteKeyChanges(_database, _audit);

    /// <inheritdoc />
    public long ReadChangeNumber()
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "SELECT number FROM kms_change_number WHERE id = 1");
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public KmsKey? FindKey(string keyId)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, $"SELECT ({NewestRevision}) FROM kms_keys k WHERE k.key_id = $id", ("$id", keyId));
        return command.ExecuteScalar() is string json ? ReadKey(json) : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsKey> ListKeys(string accountId)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, $"SELECT ({NewestRevision}) FROM kms_keys k WHERE k.account_id = $account ORDER BY k.created_at, k.key_id", ("$account", accountId));
        return ReadKeys(command);
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsKey> ListKeysPendingDeletion()
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, $"""
            SELECT r.metadata FROM kms_key_revisions r
            WHERE r.state = 'PendingDeletion' AND r.revision = (SELECT MAX(revision) FROM kms_key_revisions x WHERE x.key_id = r.key_id)
            """);
        return ReadKeys(command);
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsKey> ListKeysWithExpiringMaterial()
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, """
            SELECT r.metadata FROM kms_key_revisions r
            WHERE json_extract(r.metadata, '$.ValidTo') IS NOT NULL AND r.revision = (SELECT MAX(revision) FROM kms_key_revisions x WHERE x.key_id = r.key_id)
            """);
        return ReadKeys(command);
    }

    /// <inheritdoc />
    /// <remarks>
    /// With <c>secure_delete</c> on, deleting the sealed versions zeroes them in the pages that held them; but in WAL mode the
    /// earlier images of those pages stay in the <c>-wal</c> file until a checkpoint overwrites or truncates it. A checkpoint
    /// in TRUNCATE mode copies every committed page into the database file and empties the log; it waits (up to the busy
    /// timeout) for readers, and reports whether it finished.
    /// </remarks>
    public bool EraseDestroyedMaterial()
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "PRAGMA wal_checkpoint(TRUNCATE)");
        using var reader = command.ExecuteReader();

        // One row: busy (1 when a reader or writer kept it from finishing), pages in the log, pages checkpointed.
        return reader.Read() && reader.GetInt64(0) == 0;
    }

    /// <inheritdoc />
    public KeyVersion? FindVersion(string keyId, int version)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "SELECT key_id, version, sealed_material, created_at, rotation_type FROM kms_key_versions WHERE key_id = $id AND version = $version",
            ("$id", keyId), ("$version", version));
        return ReadVersions(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<KeyVersion> ListVersions(string keyId)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "SELECT key_id, version, sealed_material, created_at, rotation_type FROM kms_key_versions WHERE key_id = $id ORDER BY version", ("$id", keyId));
        return ReadVersions(command);
    }

    /// <inheritdoc />
    public KmsAlias? FindAlias(string accountId, string aliasName)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "SELECT account_id, alias_name, target_key_id, created_at, updated_at FROM kms_aliases WHERE account_id = $account AND alias_name = $name",
            ("$account", accountId), ("$name", aliasName));
        return ReadAliases(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsAlias> ListAliases(string accountId)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "SELECT account_id, alias_name, target_key_id, created_at, updated_at FROM kms_aliases WHERE account_id = $account ORDER BY alias_name", ("$account", accountId));
        return ReadAliases(command);
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsGrant> ListGrants(string keyId)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "SELECT data FROM kms_grants WHERE key_id = $key ORDER BY created_at, grant_id", ("$key", keyId));
        var grants = new List<KmsGrant>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            grants.Add(JsonSerializer.Deserialize(reader.GetString(0), StorageJsonContext.Default.KmsGrant)!);
        }

        return grants;
    }

    /// <inheritdoc />
    public IReadOnlyList<KmsGrant> ListGrantsByRetiringPrincipal(string retiringPrincipal)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "SELECT data FROM kms_grants WHERE json_extract(data, '$.RetiringPrincipal') = $principal ORDER BY created_at, grant_id",
            ("$principal", retiringPrincipal));
        var grants = new List<KmsGrant>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            grants.Add(JsonSerializer.Deserialize(reader.GetString(0), StorageJsonContext.Default.KmsGrant)!);
        }

        return grants;
    }

    internal static void InsertRevision(SqliteConnection connection, SqliteTransaction transaction, KmsKey key) =>
        Execute(connection, transaction, "INSERT INTO kms_key_revisions (key_id, revision, state, revised_at, metadata) VALUES ($id, $revision, $state, $at, $metadata)",
            ("$id", key.KeyId), ("$revision", key.Revision), ("$state", key.State.ToString()), ("$at", key.RevisedAt.ToUnixTimeMilliseconds()),
            ("$metadata", JsonSerializer.Serialize(key, StorageJsonContext.Default.KmsKey)));

    internal static void InsertVersion(SqliteConnection connection, SqliteTransaction transaction, KeyVersion version) =>
        Execute(connection, transaction, "INSERT INTO kms_key_versions (key_id, version, sealed_material, created_at, rotation_type) VALUES ($id, $version, $material, $at, $type)",
            ("$id", version.KeyId), ("$version", version.Version), ("$material", version.SealedMaterial), ("$at", version.CreatedAt.ToUnixTimeMilliseconds()),
            ("$type", version.RotationType));

    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    internal static int Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private static KmsKey ReadKey(string json) => JsonSerializer.Deserialize(json, StorageJsonContext.Default.KmsKey)!;

    private static List<KmsKey> ReadKeys(SqliteCommand command)
    {
        var keys = new List<KmsKey>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(ReadKey(reader.GetString(0)));
        }

        return keys;
    }

    private static List<KeyVersion> ReadVersions(SqliteCommand command)
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

    private static List<KmsAlias> ReadAliases(SqliteCommand command)
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
