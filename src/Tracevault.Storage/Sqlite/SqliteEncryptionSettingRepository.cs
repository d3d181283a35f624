using Microsoft.Data.Sqlite;
using Tracevault.Keys.Settings;

namespace Tracevault.Storage.Sqlite;

/// <summary>Encryption settings, acknowledgements, live nodes, wrapped data keys and storing status in the SQLite database.</summary>
public sealed class SqliteEncryptionSettingRepository : IEncryptionSettingRepository
{
    private const string SettingColumns = "account_id, version, type, key_arn, changed_at, changed_by, grant_id, grant_token";

    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public SqliteEncryptionSettingRepository(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public bool TryAppend(EncryptionSetting setting)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"INSERT OR IGNORE INTO encryption_settings ({SettingColumns}) VALUES ($account, $version, $type, $key, $at, $by, $grant, $token)";
        command.Parameters.AddWithValue("$account", setting.AccountId);
        command.Parameters.AddWithValue("$version", setting.Version);
        command.Parameters.AddWithValue("$type", setting.Type == EncryptionType.Kms ? "KMS" : "NONE");
        command.Parameters.AddWithValue("$key", (object?)setting.KeyArn ?? DBNull.Value);
        command.Parameters.AddWithValue("$at", setting.ChangedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$by", setting.ChangedBy);
        command.Parameters.AddWithValue("$grant", (object?)setting.ExternalGrant?.GrantId ?? DBNull.Value);
        command.Parameters.AddWithValue("$token", (object?)setting.ExternalGrant?.GrantToken ?? DBNull.Value);
        return command.ExecuteNonQuery() == 1;
    }

    /// <inheritdoc />
    public EncryptionSetting? FindCurrent(string accountId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {SettingColumns} FROM encryption_settings WHERE account_id = $account ORDER BY version DESC LIMIT 1";
        command.Parameters.AddWithValue("$account", accountId);
        return ReadSettings(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<EncryptionSetting> ListCurrent()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {SettingColumns} FROM encryption_settings s
            WHERE version = (SELECT MAX(version) FROM encryption_settings WHERE account_id = s.account_id)
            """;
        return ReadSettings(command);
    }

    /// <inheritdoc />
    public void Acknowledge(string accountId, int version, string nodeId, DateTimeOffset at)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO encryption_acks (account_id, version, node_id, acked_at) VALUES ($account, $version, $node, $at)";
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$version", version);
        command.Parameters.AddWithValue("$node", nodeId);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public IReadOnlySet<string> AcknowledgedBy(string accountId, int version)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT node_id FROM encryption_acks WHERE account_id = $account AND version = $version";
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$version", version);
        return ReadStrings(command);
    }

    /// <inheritdoc />
    public void Heartbeat(string nodeId, DateTimeOffset at)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO nodes (node_id, last_seen) VALUES ($node, $at) ON CONFLICT(node_id) DO UPDATE SET last_seen = excluded.last_seen";
        command.Parameters.AddWithValue("$node", nodeId);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public IReadOnlySet<string> LiveNodes(DateTimeOffset since)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT node_id FROM nodes WHERE last_seen >= $since";
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        return ReadStrings(command);
    }

    /// <inheritdoc />
    public WrappedDataKey AddDataKey(string accountId, string keyArn, byte[] ciphertextBlob, DateTimeOffset createdAt, bool external)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO kms_data_keys (account_id, key_arn, ciphertext_blob, created_at, external) VALUES ($account, $key, $blob, $at, $external) RETURNING id";
        command.Parameters.AddWithValue("$external", external ? 1 : 0);
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$key", keyArn);
        command.Parameters.AddWithValue("$blob", ciphertextBlob);
        command.Parameters.AddWithValue("$at", createdAt.ToUnixTimeMilliseconds());
        var id = (long)command.ExecuteScalar()!;
        return new WrappedDataKey(id, accountId, keyArn, ciphertextBlob, createdAt, external);
    }

    /// <inheritdoc />
    public WrappedDataKey? FindDataKey(long id)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, account_id, key_arn, ciphertext_blob, created_at, external FROM kms_data_keys WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new WrappedDataKey(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (byte[])reader[3], DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), reader.GetInt64(5) != 0)
            : null;
    }

    /// <inheritdoc />
    public void AddIndexedKey(string accountId, string keyArn, DateTimeOffset at)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO trace_index_keys (account_id, key_arn, created_at) VALUES ($account, $key, $at)";
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$key", keyArn);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> ListIndexedKeys(string accountId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key_arn FROM trace_index_keys WHERE account_id = $account ORDER BY created_at, key_arn";
        command.Parameters.AddWithValue("$account", accountId);
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
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        if (status is null)
        {
            command.CommandText = "DELETE FROM storing_status WHERE account_id = $account";
        }
        else
        {
            command.CommandText = """
                INSERT INTO storing_status (account_id, key_arn, reason, since) VALUES ($account, $key, $reason, $since)
                ON CONFLICT(account_id) DO UPDATE SET key_arn = excluded.key_arn, reason = excluded.reason, since = excluded.since
                """;
            command.Parameters.AddWithValue("$key", status.KeyArn);
            command.Parameters.AddWithValue("$reason", status.Reason);
            command.Parameters.AddWithValue("$since", status.Since.ToUnixTimeMilliseconds());
        }

        command.Parameters.AddWithValue("$account", accountId);
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public StoringStatus? FindStoringStatus(string accountId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT account_id, key_arn, reason, since FROM storing_status WHERE account_id = $account";
        command.Parameters.AddWithValue("$account", accountId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new StoringStatus(reader.GetString(0), reader.GetString(1), reader.GetString(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)))
            : null;
    }

    private static List<EncryptionSetting> ReadSettings(SqliteCommand command)
    {
        var settings = new List<EncryptionSetting>();
        using var reader = command.ExecuteReader();
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

    private static HashSet<string> ReadStrings(SqliteCommand command)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
