using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Sqlite;

/// <summary>One change to users and access keys in one immediate SQLite transaction, committed with its audit records appended in it.</summary>
/// <remarks>The transaction is begun immediate, so its reads stay true until it commits, in this process and others; disposing without committing rolls it back.</remarks>
internal sealed class SqliteIdentityChanges : IIdentityChanges
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteAuditLog _audit;

    /// <summary>Opens a connection and begins the transaction.</summary>
    public SqliteIdentityChanges(SqliteDatabase database, SqliteAuditLog audit)
    {
        _audit = audit;
        _connection = database.Open();
        try
        {
            _transaction = _connection.BeginTransaction(deferred: false);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public User? FindUser(string accountId, string name) => SqliteIdentityRepository.FindUser(_connection, _transaction, accountId, name);

    /// <inheritdoc />
    public IReadOnlyList<User> ListUsers(string accountId) => SqliteIdentityRepository.ListUsers(_connection, _transaction, accountId);

    /// <inheritdoc />
    public AccessKey? FindAccessKey(string accessKeyId) => SqliteIdentityRepository.FindAccessKey(_connection, _transaction, accessKeyId);

    /// <inheritdoc />
    public IReadOnlyList<AccessKey> ListAccessKeys(string accountId)
    {
        using var command = SqliteKeyRepository.Command(_connection, _transaction,
            $"SELECT {SqliteIdentityRepository.AccessKeyColumns} FROM access_keys WHERE account_id = $account ORDER BY created_at, id", ("$account", accountId));
        return SqliteIdentityRepository.ReadAccessKeys(command);
    }

    /// <inheritdoc />
    public bool TryAddUser(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return SqliteKeyRepository.Execute(_connection, _transaction, "INSERT OR IGNORE INTO users (account_id, name, created_at, policies) VALUES ($account, $name, $at, $policies)",
            ("$account", user.AccountId), ("$name", user.Name), ("$at", user.CreatedAt.ToUnixTimeMilliseconds()),
            ("$policies", SqliteIdentityRepository.PoliciesJson(user.PolicyDocuments))) == 1;
    }

    /// <inheritdoc />
    public void AddAccessKey(AccessKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        SqliteKeyRepository.Execute(_connection, _transaction,
            "INSERT INTO access_keys (id, account_id, user_name, sealed_secret, created_at, status) VALUES ($id, $account, $user, $secret, $at, $status)",
            ("$id", key.AccessKeyId), ("$account", key.AccountId), ("$user", key.UserName), ("$secret", key.SealedSecret),
            ("$at", key.CreatedAt.ToUnixTimeMilliseconds()), ("$status", key.Status.ToString()));
    }

    /// <inheritdoc />
    public void SetAccessKeyStatus(string accessKeyId, AccessKeyStatus status) =>
        SqliteKeyRepository.Execute(_connection, _transaction, "UPDATE access_keys SET status = $status WHERE id = $id", ("$id", accessKeyId), ("$status", status.ToString()));

    /// <inheritdoc />
    public void DeleteAccessKey(string accessKeyId) =>
        // secure_delete is on, so the pages that held the sealed secret are overwritten with zeros.
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM access_keys WHERE id = $id", ("$id", accessKeyId));

    /// <inheritdoc />
    public void SetUserPolicies(string accountId, string name, IReadOnlyList<string> policyDocuments) =>
        SqliteKeyRepository.Execute(_connection, _transaction, "UPDATE users SET policies = $policies WHERE account_id = $account AND name = $name",
            ("$account", accountId), ("$name", name), ("$policies", SqliteIdentityRepository.PoliciesJson(policyDocuments)));

    /// <inheritdoc />
    public void DeleteUser(string accountId, string name)
    {
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM access_keys WHERE account_id = $account AND user_name = $name", ("$account", accountId), ("$name", name));
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM users WHERE account_id = $account AND name = $name", ("$account", accountId), ("$name", name));
    }

    /// <inheritdoc />
    public void Commit(IReadOnlyList<AuditEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("A change is committed only with the audit record of the call that made it.", nameof(events));
        }

        _audit.AppendWithin(_connection, _transaction, events, null);
        _transaction.Commit();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}
