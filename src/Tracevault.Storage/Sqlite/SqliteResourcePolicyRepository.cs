using System.Globalization;
using Microsoft.Data.Sqlite;
using Tracevault.Storage.ResourcePolicies;

namespace Tracevault.Storage.Sqlite;

/// <summary>X-Ray resource policies in the SQLite database.</summary>
internal sealed class SqliteResourcePolicyRepository : IResourcePolicyRepository
{
    private const string Columns = "account_id, name, document, revision, updated_at";

    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public SqliteResourcePolicyRepository(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public IReadOnlyList<XRayResourcePolicy> List(string accountId)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, $"SELECT {Columns} FROM xray_resource_policies WHERE account_id = $account ORDER BY name");
        command.Parameters.AddWithValue("$account", accountId);
        return Read(command);
    }

    /// <inheritdoc />
    public (ResourcePolicyWriteOutcome Outcome, XRayResourcePolicy? Policy) Put(string accountId, string name, string document, long? expectedRevision, DateTimeOffset at, int maxPolicies)
    {
        using var connection = _database.Open();
        // BEGIN IMMEDIATE: another process writing at the same time waits, so the revision and the count stay true until the write.
        using var transaction = connection.BeginTransaction(deferred: false);
        var current = Find(connection, transaction, accountId, name);
        if (expectedRevision is { } expected && expected != (current?.Revision ?? 0))
        {
            return (ResourcePolicyWriteOutcome.RevisionMismatch, null);
        }

        if (current is null)
        {
            using var count = Command(connection, transaction, "SELECT count(*) FROM xray_resource_policies WHERE account_id = $account");
            count.Parameters.AddWithValue("$account", accountId);
            if (Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture) >= maxPolicies)
            {
                return (ResourcePolicyWriteOutcome.LimitReached, null);
            }
        }

        var policy = new XRayResourcePolicy(accountId, name, document, (current?.Revision ?? 0) + 1, at);
        using (var write = Command(connection, transaction, $"""
            INSERT INTO xray_resource_policies ({Columns}) VALUES ($account, $name, $document, $revision, $at)
            ON CONFLICT (account_id, name) DO UPDATE SET document = excluded.document, revision = excluded.revision, updated_at = excluded.updated_at
            """))
        {
            write.Parameters.AddWithValue("$account", accountId);
            write.Parameters.AddWithValue("$name", name);
            write.Parameters.AddWithValue("$document", document);
            write.Parameters.AddWithValue("$revision", policy.Revision);
            write.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
            write.ExecuteNonQuery();
        }

        transaction.Commit();
        return (ResourcePolicyWriteOutcome.Done, policy);
    }

    /// <inheritdoc />
    public ResourcePolicyWriteOutcome Delete(string accountId, string name, long? expectedRevision)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var current = Find(connection, transaction, accountId, name);
        if (expectedRevision is { } expected && expected != (current?.Revision ?? 0))
        {
            return ResourcePolicyWriteOutcome.RevisionMismatch;
        }

        using (var delete = Command(connection, transaction, "DELETE FROM xray_resource_policies WHERE account_id = $account AND name = $name"))
        {
            delete.Parameters.AddWithValue("$account", accountId);
            delete.Parameters.AddWithValue("$name", name);
            delete.ExecuteNonQuery();
        }

        transaction.Commit();
        return ResourcePolicyWriteOutcome.Done;
    }

    private static XRayResourcePolicy? Find(SqliteConnection connection, SqliteTransaction transaction, string accountId, string name)
    {
        using var command = Command(connection, transaction, $"SELECT {Columns} FROM xray_resource_policies WHERE account_id = $account AND name = $name");
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$name", name);
        return Read(command).SingleOrDefault();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string text)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        return command;
    }

    private static List<XRayResourcePolicy> Read(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var policies = new List<XRayResourcePolicy>();
        while (reader.Read())
        {
            policies.Add(new XRayResourcePolicy(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt64(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return policies;
    }
}
