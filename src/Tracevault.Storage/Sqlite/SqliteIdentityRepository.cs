using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Sqlite;

/// <summary>Accounts, users and access keys in the SQLite database.</summary>
public sealed class SqliteIdentityRepository : IIdentityRepository
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public SqliteIdentityRepository(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public bool TryAddAccount(Account account)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO accounts (id, created_at) VALUES ($id, $at)";
        command.Parameters.AddWithValue("$id", account.Id);
        command.Parameters.AddWithValue("$at", account.CreatedAt.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery() == 1;
    }

    /// <inheritdoc />
    public IReadOnlyList<Account> ListAccounts()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, created_at FROM accounts ORDER BY created_at, id";
        return ReadAccounts(command);
    }

    /// <inheritdoc />
    public Account? FindAccount(string accountId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, created_at FROM accounts WHERE id = $id";
        command.Parameters.AddWithValue("$id", accountId);
        return ReadAccounts(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public bool TryAddUser(User user)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO users (account_id, name, created_at, policies) VALUES ($account, $name, $at, $policies)";
        command.Parameters.AddWithValue("$account", user.AccountId);
        command.Parameters.AddWithValue("$name", user.Name);
        command.Parameters.AddWithValue("$at", user.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$policies", JsonSerializer.Serialize(user.PolicyDocuments, StorageJsonContext.Default.IReadOnlyListString));
        return command.ExecuteNonQuery() == 1;
    }

    /// <inheritdoc />
    public User? FindUser(string accountId, string name)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT account_id, name, created_at, policies FROM users WHERE account_id = $account AND name = $name";
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$name", name);
        return ReadUsers(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<User> ListUsers(string? accountId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT account_id, name, created_at, policies FROM users WHERE $account IS NULL OR account_id = $account ORDER BY account_id, created_at, name";
        command.Parameters.AddWithValue("$account", (object?)accountId ?? DBNull.Value);
        return ReadUsers(command);
    }

    /// <inheritdoc />
    public void AddAccessKey(AccessKey key)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO access_keys (id, account_id, user_name, sealed_secret, created_at) VALUES ($id, $account, $user, $secret, $at)";
        command.Parameters.AddWithValue("$id", key.AccessKeyId);
        command.Parameters.AddWithValue("$account", key.AccountId);
        command.Parameters.AddWithValue("$user", key.UserName);
        command.Parameters.AddWithValue("$secret", key.SealedSecret);
        command.Parameters.AddWithValue("$at", key.CreatedAt.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public AccessKey? FindAccessKey(string accessKeyId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, account_id, user_name, sealed_secret, created_at FROM access_keys WHERE id = $id";
        command.Parameters.AddWithValue("$id", accessKeyId);
        return ReadAccessKeys(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<AccessKey> ListAccessKeys()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, account_id, user_name, sealed_secret, created_at FROM access_keys ORDER BY created_at, id";
        return ReadAccessKeys(command);
    }

    private static List<Account> ReadAccounts(SqliteCommand command)
    {
        var accounts = new List<Account>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            accounts.Add(new Account(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
        }

        return accounts;
    }

    private static List<User> ReadUsers(SqliteCommand command)
    {
        var users = new List<User>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var policies = JsonSerializer.Deserialize(reader.GetString(3), StorageJsonContext.Default.IReadOnlyListString) ?? [];
            users.Add(new User(reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), policies));
        }

        return users;
    }

    private static List<AccessKey> ReadAccessKeys(SqliteCommand command)
    {
        var keys = new List<AccessKey>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(new AccessKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), (byte[])reader[3], DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return keys;
    }
}
