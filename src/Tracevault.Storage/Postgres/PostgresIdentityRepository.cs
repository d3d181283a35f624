using System.Text.Json;
using Npgsql;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;
using Tracevault.Storage.Sqlite;

namespace Tracevault.Storage.Postgres;

/// <summary>Accounts, users and access keys in the PostgreSQL database every node shares; changes to users and keys commit with their audit records.</summary>
/// <remarks>Thread-safe. Nothing is cached: every read is one query of what is committed now, so a change made on one node applies on all at their next read.</remarks>
public sealed class PostgresIdentityRepository : IIdentityRepository
{
    internal const string AccessKeyColumns = "id, account_id, user_name, sealed_secret, created_at, status";
    internal const string UserColumns = "account_id, name, created_at, policies";

    private readonly PostgresDatabase _database;

    // Made on the first change, not when the repository is: opening the log seals its head, which a command that only reads,
    // such as 'users list', must not do.
    private readonly Lazy<PostgresAuditLog> _audit;

    /// <summary>Creates the repository over a database, appending the records of changes to the audit trail chained under <paramref name="chain"/>.</summary>
    public PostgresIdentityRepository(PostgresDatabase database, AuditChain chain)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(chain);
        _database = database;
        _audit = new Lazy<PostgresAuditLog>(() => new PostgresAuditLog(database, chain), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc />
    public bool TryAddAccount(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        using var connection = _database.Open();
        return PostgresSql.Execute(connection, null, "INSERT INTO accounts (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account.Id, account.CreatedAt.ToUnixTimeMilliseconds()) == 1;
    }

    /// <inheritdoc />
    public IReadOnlyList<Account> ListAccounts()
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "SELECT id, created_at FROM accounts ORDER BY created_at, id");
        return ReadAccounts(command);
    }

    /// <inheritdoc />
    public Account? FindAccount(string accountId)
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, "SELECT id, created_at FROM accounts WHERE id = $1", accountId);
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
        using var command = PostgresSql.Command(connection, null, """
            SELECT k.id, k.account_id, k.user_name, k.sealed_secret, k.created_at, k.status, u.account_id, u.name, u.created_at, u.policies
            FROM access_keys k JOIN users u ON u.account_id = k.account_id AND u.name = k.user_name
            WHERE k.id = $1
            """, accessKeyId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new AccessKeyHolder(ReadAccessKey(reader, 0), ReadUser(reader, 6)) : null;
    }

    /// <inheritdoc />
    public IReadOnlyList<AccessKey> ListAccessKeys()
    {
        using var connection = _database.Open();
        using var command = PostgresSql.Command(connection, null, $"SELECT {AccessKeyColumns} FROM access_keys ORDER BY created_at, id");
        return ReadAccessKeys(command);
    }

    /// <inheritdoc />
    public IIdentityChanges BeginChanges() => new PostgresIdentityChanges(_database, _audit.Value);

    internal static User? FindUser(NpgsqlConnection connection, NpgsqlTransaction? transaction, string accountId, string name)
    {
        using var command = PostgresSql.Command(connection, transaction, $"SELECT {UserColumns} FROM users WHERE account_id = $1 AND name = $2", accountId, name);
        return ReadUsers(command).SingleOrDefault();
    }

    internal static List<User> ListUsers(NpgsqlConnection connection, NpgsqlTransaction? transaction, string? accountId)
    {
        using var command = PostgresSql.Command(connection, transaction,
            $"SELECT {UserColumns} FROM users WHERE $1::text IS NULL OR account_id = $1::text ORDER BY account_id, created_at, name", accountId);
        return ReadUsers(command);
    }

    internal static AccessKey? FindAccessKey(NpgsqlConnection connection, NpgsqlTransaction? transaction, string accessKeyId)
    {
        using var command = PostgresSql.Command(connection, transaction, $"SELECT {AccessKeyColumns} FROM access_keys WHERE id = $1", accessKeyId);
        return ReadAccessKeys(command).SingleOrDefault();
    }

    internal static List<AccessKey> ReadAccessKeys(NpgsqlCommand command)
    {
        var keys = new List<AccessKey>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(ReadAccessKey(reader, 0));
        }

        return keys;
    }

    // The same JSON as SQLite keeps, so a store moved between them carries its policies unchanged.
    internal static string PoliciesJson(IReadOnlyList<string> policyDocuments) =>
        JsonSerializer.Serialize(policyDocuments, StorageJsonContext.Default.IReadOnlyListString);

    private static List<Account> ReadAccounts(NpgsqlCommand command)
    {
        var accounts = new List<Account>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            accounts.Add(new Account(reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1))));
        }

        return accounts;
    }

    private static List<User> ReadUsers(NpgsqlCommand command)
    {
        var users = new List<User>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            users.Add(ReadUser(reader, 0));
        }

        return users;
    }

    private static User ReadUser(NpgsqlDataReader reader, int first)
    {
        var policies = JsonSerializer.Deserialize(reader.GetString(first + 3), StorageJsonContext.Default.IReadOnlyListString) ?? [];
        return new User(reader.GetString(first), reader.GetString(first + 1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 2)), policies);
    }

    private static AccessKey ReadAccessKey(NpgsqlDataReader reader, int first) => new(
        reader.GetString(first),
        reader.GetString(first + 1),
        reader.GetString(first + 2),
        reader.GetFieldValue<byte[]>(first + 3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(first + 4)),
        reader.GetString(first + 5) switch
        {
            "Active" => AccessKeyStatus.Active,
            "Inactive" => AccessKeyStatus.Inactive,
            var other => throw new InvalidDataException($"Access key {reader.GetString(first)} has an unknown status '{other}'."),
        });
}
