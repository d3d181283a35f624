using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Sqlite;

/// <summary>Accounts, users and access keys in the SQLite database; changes to users and keys commit with their audit records.</summary>
public sealed class SqliteIdentityRepository : IIdentityRepository
{
    internal const string AccessKeyColumns = "id, account_id, user_name, sealed_secret, created_at, status";
    internal const string UserColumns = "account_id, name, created_at, policies";

    private readonly SqliteDatabase _database;

    // Made on the first change, not when the repository is: opening the log seals its head (or re-chains an old trail),
    // which a command that only reads, such as 'users list', must not do.
    private readonly Lazy<SqliteAuditLog> _audit;

    /// <summary>Creates the repository over a database, appending the records of changes to the audit trail chained under <paramref name="chain"/>.</summary>
    public SqliteIdentityRepository(SqliteDatabase database, AuditChain chain)
    {
        _database = database;
        _audit = new Lazy<SqliteAuditLog>(() => new SqliteAuditLog(database, chain), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc />
    public bool TryAddAccount(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        using var connection = _database.Open();
        return SqliteKeyRepository.Execute(connection, null, "INSERT OR IGNORE INTO accounts (id, created_at) VALUES ($id, $at)",
            ("$id", account.Id), ("$at", account.CreatedAt.ToUnixTimeMilliseconds())) == 1;
    }

    /// <inheritdoc />
    public IReadOnlyList<Account> ListAccounts()
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null, "SELECT id, created_at FROM accounts ORDER BY created_at, id");
        return ReadAccounts(command);
    }

    /// <inheritdoc />
    public Account? FindAccount(string accountId)
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null, "SELECT id, created_at FROM accounts WHERE id = $id", ("$id", accountId));
        return ReadAccounts(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public User? FindUser(string accountId, string name)
    {
        using var connection = _database.Open();
        return FindUser(connection, null, accountId, name);
    }

    /// <inheritdoc />
    public IReadOnlyList<User> ListUsers(string? accountId)
    {
        using var connection = _database.Open();
        return ListUsers(connection, null, accountId);
    }

    /// <inheritdoc />
    public AccessKey? FindAccessKey(string accessKeyId)
    {
        using var connection = _database.Open();
        return FindAccessKey(connection, null, accessKeyId);
    }

    /// <inheritdoc />
    public AccessKeyHolder? FindAccessKeyHolder(string accessKeyId)
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null, """
            SELECT k.id, k.account_id, k.user_name, k.sealed_secret, k.created_at, k.status, u.account_id, u.name, u.created_at, u.policies
            FROM access_keys k JOIN users u ON u.account_id = k.account_id AND u.name = k.user_name
            WHERE k.id = $id
            """, ("$id", accessKeyId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new AccessKeyHolder(ReadAccessKey(reader, 0), ReadUser(reader, 6)) : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<AccessKey> ListAccessKeys()
    {
        using var connection = _database.Open();
        using var command = SqliteKeyRepository.Command(connection, null, $"SELECT {AccessKeyColumns} FROM access_keys ORDER BY created_at, id");
        return ReadAccessKeys(command);
    }

    /// <inheritdoc />
    public IIdentityChanges BeginChanges() => new SqliteIdentityChanges(_database, _audit.Value);

    internal static User? FindUser(SqliteConnection connection, SqliteTransaction? transaction, string accountId, string name)
    {
        using var command = SqliteKeyRepository.Command(connection, transaction, $"SELECT {UserColumns} FROM users WHERE account_id = $account AND name = $name",
            ("$account", accountId), ("$name", name));
        return ReadUsers(command).SingleOrDefault();
    }

    internal static List<User> ListUsers(SqliteConnection connection, SqliteTransaction? transaction, string? accountId)
    {
        using var command = SqliteKeyRepository.Command(connection, transaction,
            $"SELECT {UserColumns} FROM users WHERE $account IS NULL OR account_id = $account ORDER BY account_id, created_at, name", ("$account", accountId));
        return ReadUsers(command);
    }

    internal static AccessKey? FindAccessKey(SqliteConnection connection, SqliteTransaction? transaction, string accessKeyId)
    {
        using var command = SqliteKeyRepository.Command(connection, transaction, $"SELECT {AccessKeyColumns} FROM access_keys WHERE id = $id", ("$id", accessKeyId));
        return ReadAccessKeys(command).SingleOrDefault();
    }

    internal static List<AccessKey> ReadAccessKeys(SqliteCommand command)
    {
        var keys = new List<AccessKey>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(ReadAccessKey(reader, 0));
        }

        return keys;
    }

    internal static string PoliciesJson(IReadOnlyList<string> policyDocuments) =>
        JsonSerializer.Serialize(policyDocuments, StorageJsonContext.Default.IReadOnlyListString);

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
            users.Add(ReadUser(reader, 0));
        }

        return users;
    }

    private static User ReadUser(SqliteDataReader reader, int first)
    {
        var policies = JsonSerializer.Deserialize(reader.GetString(first + 3), StorageJsonContext.Default.IReadOnlyListString) ?? [];
        return new User(reader.GetString(first), reader.GetString(first + 1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 2)), policies);
    }

    private static AccessKey ReadAccessKey(SqliteDataReader reader, int first) => new(
        reader.GetString(first),
        reader.GetString(first + 1),
        reader.GetString(first + 2),
        (byte[])reader[first + 3],
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 4)),
        reader.GetString(first + 5) switch
        {
            "Active" => AccessKeyStatus.Active,
            "Inactive" => AccessKeyStatus.Inactive,
            var other => throw new InvalidDataException($"Access key {reader.GetString(first)} has an unknown status '{other}'."),
        });
}
