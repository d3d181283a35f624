using System.Data;
using Npgsql;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Postgres;

/// <summary>One change to users and access keys in one PostgreSQL transaction, committed with its audit records appended in it.</summary>
/// <remarks>
/// The transaction takes the advisory lock <see cref="ChangeLock"/> first, so changes on every node queue behind each other and
/// what one reads stays true until it commits (READ COMMITTED: each read after the lock sees every change committed before
/// it). The audit log's own lock is taken after, at commit, always in that order. Disposing without committing rolls it back.
/// </remarks>
internal sealed class PostgresIdentityChanges : IIdentityChanges
{
    /// <summary>The advisory lock every change to users and access keys holds until its transaction ends ("TVIDENT" as a number).</summary>
    public const long ChangeLock = 0x5456_4944_454E_5400;

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly PostgresAuditLog _audit;

    /// <summary>Opens a connection, begins the transaction and waits for the change lock.</summary>
    public PostgresIdentityChanges(PostgresDatabase database, PostgresAuditLog audit)
    {
        _audit = audit;
        _connection = database.Open();
        try
        {
            _transaction = _connection.BeginTransaction(IsolationLevel.ReadCommitted);
            PostgresSql.LockForTransaction(_connection, _transaction, ChangeLock);
        }
        catch
        {
            _transaction?.Dispose();
            _connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public User? FindUser(string accountId, string name) => PostgresIdentityRepository.FindUser(_connection, _transaction, accountId, name);

    /// <inheritdoc />
    public IReadOnlyList<User> ListUsers(string accountId) => PostgresIdentityRepository.ListUsers(_connection, _transaction, accountId);

    /// <inheritdoc />
    public AccessKey? FindAccessKey(string accessKeyId) => PostgresIdentityRepository.FindAccessKey(_connection, _transaction, accessKeyId);

    /// <inheritdoc />
    public IReadOnlyList<AccessKey> ListAccessKeys(string accountId)
    {
        using var command = PostgresSql.Command(_connection, _transaction,
            $"SELECT {PostgresIdentityRepository.AccessKeyColumns} FROM access_keys WHERE account_id = $1 ORDER BY created_at, id", accountId);
        return PostgresIdentityRepository.ReadAccessKeys(command);
    }

    /// <inheritdoc />
    public bool TryAddUser(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return PostgresSql.Execute(_connection, _transaction, "INSERT INTO users (account_id, name, created_at, policies) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            user.AccountId, user.Name, user.CreatedAt.ToUnixTimeMilliseconds(), PostgresIdentityRepository.PoliciesJson(user.PolicyDocuments)) == 1;
    }

    /// <inheritdoc />
    public void AddAccessKey(AccessKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        PostgresSql.Execute(_connection, _transaction,
            "INSERT INTO access_keys (id, account_id, user_name, sealed_secret, created_at, status) VALUES ($1, $2, $3, $4, $5, $6)",
            key.AccessKeyId, key.AccountId, key.UserName, key.SealedSecret, key.CreatedAt.ToUnixTimeMilliseconds(), key.Status.ToString());
    }

    /// <inheritdoc />
    public void SetAccessKeyStatus(string accessKeyId, AccessKeyStatus status) =>
        PostgresSql.Execute(_connection, _transaction, "UPDATE access_keys SET status = $2 WHERE id = $1", accessKeyId, status.ToString());

    /// <inheritdoc />
    public void DeleteAccessKey(string accessKeyId) =>
        // The row's old version stays in the table's pages until vacuum reuses them; its secret is sealed under the root key, never in the clear.
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM access_keys WHERE id = $1", accessKeyId);

    /// <inheritdoc />
    public void SetUserPolicies(string accountId, string name, IReadOnlyList<string> policyDocuments) =>
        PostgresSql.Execute(_connection, _transaction, "UPDATE users SET policies = $3 WHERE account_id = $1 AND name = $2",
            accountId, name, PostgresIdentityRepository.PoliciesJson(policyDocuments));

    /// <inheritdoc />
    public void DeleteUser(string accountId, string name)
    {
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM access_keys WHERE account_id = $1 AND user_name = $2", accountId, name);
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM users WHERE account_id = $1 AND name = $2", accountId, name);
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
