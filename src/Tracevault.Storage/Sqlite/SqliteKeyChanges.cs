using System.Text.Json;
using Microsoft.Data.Sqlite;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;

namespace Tracevault.Storage.Sqlite;

/// <summary>One KMS call's changes in one immediate SQLite transaction, committed with the call's audit records appended in it.</summary>
/// <remarks>The transaction is begun immediate, so writers queue at the first change rather than fail at commit; disposing without committing rolls it back.</remarks>
internal sealed class SqliteKeyChanges : IKeyChanges
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private readonly SqliteAuditLog _audit;

    /// <summary>Opens a connection and begins the transaction.</summary>
    public SqliteKeyChanges(SqliteDatabase database, SqliteAuditLog audit)
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
    public void AddKey(KmsKey key, KeyVersion? firstVersion)
    {
        ArgumentNullException.ThrowIfNull(key);
        SqliteKeyRepository.Execute(_connection, _transaction, "INSERT INTO kms_keys (key_id, account_id, arn, created_at) VALUES ($id, $account, $arn, $at)",
            ("$id", key.KeyId), ("$account", key.AccountId), ("$arn", key.Arn), ("$at", key.CreationDate.ToUnixTimeMilliseconds()));
        SqliteKeyRepository.InsertRevision(_connection, _transaction, key);
        if (firstVersion is not null)
        {
            SqliteKeyRepository.InsertVersion(_connection, _transaction, firstVersion);
        }
    }

    /// <inheritdoc />
    public void AppendRevision(KmsKey key, KeyVersion? newVersion)
    {
        ArgumentNullException.ThrowIfNull(key);
        SqliteKeyRepository.InsertRevision(_connection, _transaction, key);
        if (newVersion is not null)
        {
            SqliteKeyRepository.InsertVersion(_connection, _transaction, newVersion);
        }
    }

    /// <inheritdoc />
    public void DestroyKey(KmsKey deleted)
    {
        ArgumentNullException.ThrowIfNull(deleted);
        SqliteKeyRepository.InsertRevision(_connection, _transaction, deleted);
        // secure_delete is on, so the pages that held the sealed material are overwritten with zeros.
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM kms_key_versions WHERE key_id = $id", ("$id", deleted.KeyId));
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM kms_grants WHERE key_id = $id", ("$id", deleted.KeyId));
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM kms_aliases WHERE target_key_id = $id", ("$id", deleted.KeyId));
    }

    /// <inheritdoc />
    public void DeleteMaterial(KmsKey withoutMaterial)
    {
        ArgumentNullException.ThrowIfNull(withoutMaterial);
        SqliteKeyRepository.InsertRevision(_connection, _transaction, withoutMaterial);
        // secure_delete is on, so the pages that held the sealed material are overwritten with zeros.
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM kms_key_versions WHERE key_id = $id", ("$id", withoutMaterial.KeyId));
    }

    /// <inheritdoc />
    public bool TryAddAlias(KmsAlias alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        return SqliteKeyRepository.Execute(_connection, _transaction,
            "INSERT OR IGNORE INTO kms_aliases (account_id, alias_name, target_key_id, created_at, updated_at) VALUES ($account, $name, $target, $created, $updated)",
            ("$account", alias.AccountId), ("$name", alias.AliasName), ("$target", alias.TargetKeyId),
            ("$created", alias.CreationDate.ToUnixTimeMilliseconds()), ("$updated", alias.LastUpdatedDate.ToUnixTimeMilliseconds())) == 1;
    }

    /// <inheritdoc />
    public void UpdateAlias(KmsAlias alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        SqliteKeyRepository.Execute(_connection, _transaction, "UPDATE kms_aliases SET target_key_id = $target, updated_at = $updated WHERE account_id = $account AND alias_name = $name",
            ("$account", alias.AccountId), ("$name", alias.AliasName), ("$target", alias.TargetKeyId), ("$updated", alias.LastUpdatedDate.ToUnixTimeMilliseconds()));
    }

    /// <inheritdoc />
    public bool DeleteAlias(string accountId, string aliasName) =>
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM kms_aliases WHERE account_id = $account AND alias_name = $name", ("$account", accountId), ("$name", aliasName)) == 1;

    /// <inheritdoc />
    public void AddGrant(KmsGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        SqliteKeyRepository.Execute(_connection, _transaction, "INSERT INTO kms_grants (grant_id, key_id, created_at, data) VALUES ($id, $key, $at, $data)",
            ("$id", grant.GrantId), ("$key", grant.KeyId), ("$at", grant.CreationDate.ToUnixTimeMilliseconds()),
            ("$data", JsonSerializer.Serialize(grant, StorageJsonContext.Default.KmsGrant)));
    }

    /// <inheritdoc />
    public bool DeleteGrant(string keyId, string grantId) =>
        SqliteKeyRepository.Execute(_connection, _transaction, "DELETE FROM kms_grants WHERE key_id = $key AND grant_id = $id", ("$key", keyId), ("$id", grantId)) == 1;

    /// <inheritdoc />
    public void Commit(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("A change is committed only with the audit record of the call that made it.", nameof(events));
        }

        SqliteKeyRepository.Execute(_connection, _transaction, "UPDATE kms_change_number SET number = number + 1 WHERE id = 1");
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
