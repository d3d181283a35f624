using Npgsql;
using Tracevault.Storage.ResourcePolicies;

namespace Tracevault.Storage.Postgres;

/// <summary>X-Ray resource policies in the PostgreSQL database every node shares.</summary>
internal sealed class PostgresResourcePolicyRepository : IResourcePolicyRepository
{
    /// <summary>The first key of the advisory lock that serializes writing resource policies, per account ("XRRP" as a number).</summary>
    private const int WriteLock = 0x58525250;

    private const string Columns = "account_id, name, document, revision, updated_at";

    private readonly PostgresDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public PostgresResourcePolicyRepository(PostgresDatabase database) => _database = database;

    /// <inheritdoc />
    public IReadOnlyList<XRayResourcePolicy> List(string accountId)
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM xray_resource_policies WHERE account_id = $1 ORDER BY name COLLATE \"C\"", connection);
        command.Parameters.AddWithValue(accountId);
        return Read(command);
    }

    /// <inheritdoc />
    public (ResourcePolicyWriteOutcome Outcome, XRayResourcePolicy? Policy) Put(string accountId, string name, string document, long? expectedRevision, DateTimeOffset at, int maxPolicies)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        Lock(connection, transaction, accountId);
        var current = Find(connection, transaction, accountId, name);
        if (expectedRevision is { } expected && expected != (current?.Revision ?? 0))
        {
            return (ResourcePolicyWriteOutcome.RevisionMismatch, null);
        }

        if (current is null)
        {
            using var count = new NpgsqlCommand("SELECT count(*) FROM xray_resource_policies WHERE account_id = $1", connection, transaction);
            count.Parameters.AddWithValue(accountId);
            if ((long)count.ExecuteScalar()! >= maxPolicies)
            {
                return (ResourcePolicyWriteOutcome.LimitReached, null);
            }
        }

        var policy = new XRayResourcePolicy(accountId, name, document, (current?.Revision ?? 0) + 1, at);
        using (var write = new NpgsqlCommand($"""
            INSERT INTO xray_resource_policies ({Columns}) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (account_id, name) DO UPDATE SET document = excluded.document, revision = excluded.revision, updated_at = excluded.updated_at
            """, connection, transaction))
        {
            write.Parameters.AddWithValue(accountId);
            write.Parameters.AddWithValue(name);
            write.Parameters.AddWithValue(document);
            write.Parameters.AddWithValue(policy.Revision);
            write.Parameters.AddWithValue(at.ToUnixTimeMilliseconds());
            write.ExecuteNonQuery();
        }

        transaction.Commit();
        return (ResourcePolicyWriteOutcome.Done, policy);
    }

    /// <inheritdoc />
    public ResourcePolicyWriteOutcome Delete(string accountId, string name, long? expectedRevision)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        Lock(connection, transaction, accountId);
        var current = Find(connection, transaction, accountId, name);
        if (expectedRevision is { } expected && expected != (current?.Revision ?? 0))
        {
            return ResourcePolicyWriteOutcome.RevisionMismatch;
        }

        using (var delete = new NpgsqlCommand("DELETE FROM xray_resource_policies WHERE account_id = $1 AND name = $2", connection, transaction))
        {
            delete.Parameters.AddWithValue(accountId);
            delete.Parameters.AddWithValue(name);
            delete.ExecuteNonQuery();
        }

        transaction.Commit();
        return ResourcePolicyWriteOutcome.Done;
    }

    private static void Lock(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId)
    {
        // Nodes writing one account's policies at once take turns, so the revision and the count stay true until the write.
        using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))", connection, transaction);
        command.Parameters.AddWithValue(WriteLock);
        command.Parameters.AddWithValue(accountId);
        command.ExecuteNonQuery();
    }

    private static XRayResourcePolicy? Find(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId, string name)
    {
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM xray_resource_policies WHERE account_id = $1 AND name = $2", connection, transaction);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(name);
        return Read(command).SingleOrDefault();
    }

    private static List<XRayResourcePolicy> Read(NpgsqlCommand command)
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
