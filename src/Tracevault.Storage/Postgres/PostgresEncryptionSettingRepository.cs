using Tracevault.Keys.Settings;

namespace Tracevault.Storage.Postgres;

/// <summary>Encryption settings, acknowledgements, live nodes, wrapped data keys and storing status in the PostgreSQL database every node shares.</summary>
/// <remarks>Thread-safe: each call is one statement on its own pooled connection, so nodes need no lock of their own to stay correct.</remarks>
public sealed class PostgresEncryptionSettingRepository : IEncryptionSettingRepository
{
    private const string SettingColumns = "account_id, version, type, key_arn, changed_at, changed_by, grant_id, grant_token";

    private readonly PostgresDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public PostgresEncryptionSettingRepository(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <inheritdoc />
    public bool TryAppend(EncryptionSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);

        // The primary key decides between nodes appending the same version at once: the second waits for the first to commit, then inserts nothing.
        return Execute($"INSERT INTO encryption_settings ({SettingColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            setting.AccountId, setting.Version, setting.Type == EncryptionType.Kms ? "KMS" : "NONE", setting.KeyArn,
            setting.ChangedAt.ToUnixTimeMilliseconds(), setting.ChangedBy, setting.ExternalGrant?.GrantId, setting.ExternalGrant?.GrantToken) == 1;
    }

    /// <inheritdoc />
    public EncryptionSetting? FindCurrent(string accountId) =>
        ReadSettings($"SELECT {SettingColumns} FROM encryption_settings WHERE account_id = $1 ORDER BY version DESC LIMIT 1", accountId).SingleOrDefault();

    /// <inheritdoc />
    public IReadOnlyList<EncryptionSetting> ListCurrent() =>
        ReadSettings($"SELECT DISTINCT ON (account_id) {SettingColumns} FROM encryption_settings ORDER BY account_id, version DESC");

    /// <inheritdoc />
    public void Acknowledge(string accountId, int version, string nodeId, DateTimeOffset at) =>
        Execute("INSERT INTO encryption_acks (account_id, version, node_id, acked_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            accountId, version, nodeId, at.ToUnixTimeMilliseconds());

    /// <inheritdoc />
    public IReadOnlySet<string> AcknowledgedBy(string accountId, int version) =>
        ReadStrings("SELECT node_id FROM encryption_acks WHERE account_id = $1 AND version = $2", accountId, version);

    /// <inheritdoc />
    public void Heartbeat(string nodeId, DateTimeOffset at) =>
        Execute("INSERT INTO nodes (node_id, last_seen) VALUES ($1, $2) ON CONFLICT (node_id) DO UPDATE SET last_seen = excluded.last_seen",
            nodeId, at.ToUnixTimeMilliseconds());

    /// <inheritdoc />
    public IReadOnlySet<string> LiveNodes(DateTimeOffset since) =>
        ReadStrings("SELECT node_id FROM nodes WHERE last_seen >= $1", since.ToUnixTimeMilliseconds());

    /// <inheritdoc />
    public WrappedDataKey AddDataKey(string accountId, string keyArn, byte[] ciphertextBlob, DateTimeOffset createdAt, bool external)
    {
        ArgumentNullException.ThrowIfNull(ciphertextBlob);
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "INSERT INTO kms_data_keys (account_id, key_arn, ciphertext_blob, created_at, external) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            accountId, keyArn, ciphertextBlob, createdAt.ToUnixTimeMilliseconds(), external ? 1 : 0);
        var id = (long)command.ExecuteScalar()!;
        return new WrappedDataKey(id, accountId, keyArn, ciphertextBlob, createdAt, external);
    }

    /// <inheritdoc />
    public WrappedDataKey? FindDataKey(long id)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "SELECT id, account_id, key_arn, ciphertext_blob, created_at, external FROM kms_data_keys WHERE id = $1", id);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new WrappedDataKey(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<byte[]>(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt32(5) != 0)
            : null;
    }

    /// <inheritdoc />
    public void AddIndexedKey(string accountId, string keyArn, DateTimeOffset at) =>
        Execute("INSERT INTO trace_index_keys (account_id, key_arn, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            accountId, keyArn, at.ToUnixTimeMilliseconds());

    /// <inheritdoc />
    public IReadOnlyList<string> ListIndexedKeys(string accountId)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "SELECT key_arn FROM trace_index_keys WHERE account_id = $1 ORDER BY created_at, key_arn", accountId);
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    /// <inheritdoc />
    public void SetStoringStatus(string accountId, StoringStatus? status)
    {
        if (status is null)
        {
            Execute("DELETE FROM storing_status WHERE account_id = $1", accountId);
            return;
        }

        Execute("""
            INSERT INTO storing_status (account_id, key_arn, reason, since) VALUES ($1, $2, $3, $4)
            ON CONFLICT (account_id) DO UPDATE SET key_arn = excluded.key_arn, reason = excluded.reason, since = excluded.since
            """, accountId, status.KeyArn, status.Reason, status.Since.ToUnixTimeMilliseconds());
    }

    /// <inheritdoc />
    public StoringStatus? FindStoringStatus(string accountId)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "SELECT account_id, key_arn, reason, since FROM storing_status WHERE account_id = $1", accountId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new StoringStatus(reader.GetString(0), reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null;
    }

    private int Execute(string sql, params object?[] parameters)
    {
        using var connection = _database.Open();
        return PostgresSql.Execute(connection, null, sql, parameters);
    }

    private List<EncryptionSetting> ReadSettings(string sql, params object?[] parameters)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, sql, parameters);
        using var reader = command.ExecuteReader();
        var settings = new List<EncryptionSetting>();
        while (reader.Read())
        {
            settings.Add(new EncryptionSetting(
                reader.GetString(0),
                reader.GetInt32(1),
                reader.GetString(2) == "KMS" ? EncryptionType.Kms : EncryptionType.None,
                reader.IsDBNull(3) ? null : reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                reader.GetString(5))
            {
                ExternalGrant = reader.IsDBNull(6) ? null : new Keys.External.ExternalGrant(reader.GetString(6), reader.IsDBNull(7) ? "" : reader.GetString(7)),
            });
        }

        return settings;
    }

    private HashSet<string> ReadStrings(string sql, params object?[] parameters)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, sql, parameters);
        using var reader = command.ExecuteReader();
        var values = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
