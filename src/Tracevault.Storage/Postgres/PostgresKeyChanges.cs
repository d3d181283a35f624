using System.Data;
using System.Text.Json;
using Npgsql;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;

namespace Tracevault.Storage.Postgres;

/// <summary>One KMS call's changes in one PostgreSQL transaction, committed with the call's audit records appended in it.</summary>
/// <remarks>
/// The transaction takes <see cref="PostgresKeyRepository.ChangeLock"/> as it begins, so KMS writers on every node queue at
/// the first change (as SQLite's immediate transactions do) rather than fail at commit; at commit it appends the records
/// under the audit trail's own lock. Disposing without committing rolls it back.
/// </remarks>
internal sealed class PostgresKeyChanges : IKeyChanges
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly PostgresAuditLog _audit;

    /// <summary>Opens a connection, begins the transaction and waits for the change lock.</summary>
    public PostgresKeyChanges(PostgresDatabase database, PostgresAuditLog audit)
    {
        _audit = audit;
        _connection = database.Open();
        try
        {
            _transaction = _connection.BeginTransaction(IsolationLevel.ReadCommitted);

            // As SQLite's busy timeout: a writer that cannot get the lock in 30 s fails (55P03) rather than waits for ever.
            PostgresSql.Execute(_connection, _transaction, "SET LOCAL lock_timeout = '30s'");
            PostgresSql.LockForTransaction(_connection, _transaction, PostgresKeyRepository.ChangeLock);
        }
        catch
        {
            _connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void AddKey(KmsKey key, KeyVersion? firstVersion)
    {
        ArgumentNullException.ThrowIfNull(key);
        PostgresSql.Execute(_connection, _transaction, "INSERT INTO kms_keys (key_id, account_id, arn, created_at) VALUES ($1, $2, $3, $4)",
            key.KeyId, key.AccountId, key.Arn, key.CreationDate.ToUnixTimeMilliseconds());
        PostgresKeyRepository.InsertRevision(_connection, _transaction, key);
        if (firstVersion is not null)
        {
            PostgresKeyRepository.InsertVersion(_connection, _transaction, firstVersion);
        }
    }

    /// <inheritdoc />
    public void AppendRevision(KmsKey key, KeyVersion? newVersion)
    {
        ArgumentNullException.ThrowIfNull(key);
        PostgresKeyRepository.InsertRevision(_connection, _transaction, key);
        if (newVersion is not null)
        {
            PostgresKeyRepository.InsertVersion(_connection, _transaction, newVersion);
        }
    }

    /// <inheritdoc />
    /// <remarks>The deleted rows stay in the table's pages until <see cref="PostgresKeyRepository.EraseDestroyedMaterial"/> rewrites it.</remarks>
    public void DestroyKey(KmsKey deleted)
    {
        ArgumentNullException.ThrowIfNull(deleted);
        PostgresKeyRepository.InsertRevision(_connection, _transaction, deleted);
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM kms_key_versions WHERE key_id = $1", deleted.KeyId);
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM kms_grants WHERE key_id = $1", deleted.KeyId);
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM kms_aliases WHERE target_key_id = $1", deleted.KeyId);
    }

    /// <inheritdoc />
    /// <remarks>The deleted rows stay in the table's pages until <see cref="PostgresKeyRepository.EraseDestroyedMaterial"/> rewrites it.</remarks>
    public void DeleteMaterial(KmsKey withoutMaterial)
    {
        ArgumentNullException.ThrowIfNull(withoutMaterial);
        PostgresKeyRepository.InsertRevision(_connection, _transaction, withoutMaterial);
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM kms_key_versions WHERE key_id = $1", withoutMaterial.KeyId);
    }

    /// <inheritdoc />
    public bool TryAddAlias(KmsAlias alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        return PostgresSql.Execute(_connection, _transaction,
            "INSERT INTO kms_aliases (account_id, alias_name, target_key_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, alias_name) DO NOTHING",
            alias.AccountId, alias.AliasName, alias.TargetKeyId, alias.CreationDate.ToUnixTimeMilliseconds(), alias.LastUpdatedDate.ToUnixTimeMilliseconds()) == 1;
    }

    /// <inheritdoc />
    public void UpdateAlias(KmsAlias alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        PostgresSql.Execute(_connection, _transaction, "UPDATE kms_aliases SET target_key_id = $3, updated_at = $4 WHERE account_id = $1 AND alias_name = $2",
            alias.AccountId, alias.AliasName, alias.TargetKeyId, alias.LastUpdatedDate.ToUnixTimeMilliseconds());
    }

    /// <inheritdoc />
    public bool DeleteAlias(string accountId, string aliasName) =>
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM kms_aliases WHERE account_id = $1 AND alias_name = $2", accountId, aliasName) == 1;

    /// <inheritdoc />
    public void AddGrant(KmsGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        PostgresSql.Execute(_connection, _transaction, "INSERT INTO kms_grants (grant_id, key_id, created_at, data) VALUES ($1, $2, $3, $4)",
            grant.GrantId, grant.KeyId, grant.CreationDate.ToUnixTimeMilliseconds(), JsonSerializer.Serialize(grant, PostgresKmsJsonContext.Default.KmsGrant));
    }

    /// <inheritdoc />
    public bool DeleteGrant(string keyId, string grantId) =>
        PostgresSql.Execute(_connection, _transaction, "DELETE FROM kms_grants WHERE key_id = $1 AND grant_id = $2", keyId, grantId) == 1;

    /// <inheritdoc />
    public void Commit(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("A change is committed only with the audit record of the call that made it.", nameof(events));
        }

        PostgresSql.Execute(_connection, _transaction, "UPDATE kms_change_number SET number = number + 1 WHERE id = 1");
        _audit.AppendWithin(_connection, _transaction, events, usage);
        _transaction.Commit();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}
