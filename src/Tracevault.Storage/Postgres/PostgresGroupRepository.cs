using Npgsql;
using Tracevault.Storage.Groups;
using Tracevault.Storage.Tagging;

namespace Tracevault.Storage.Postgres;

/// <summary>X-Ray groups in the PostgreSQL database every node shares.</summary>
internal sealed class PostgresGroupRepository : IGroupRepository
{
    /// <summary>The first key of the advisory lock that serializes adding groups, per account ("TVGROUPS" as a number, cut to 32 bits).</summary>
    private const int AddLock = 0x47524F55;

    private const string Columns = "account_id, name, id, filter_expression, insights_enabled, notifications_enabled, tags, created_at";

    private readonly PostgresDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public PostgresGroupRepository(PostgresDatabase database) => _database = database;

    /// <inheritdoc />
    public GroupAddOutcome TryAdd(TraceGroup group, int maxGroups)
    {
        ArgumentNullException.ThrowIfNull(group);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        // Nodes adding to one account at once take turns, so the count stays true until the insert.
        using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue(AddLock);
            lockCommand.Parameters.AddWithValue(group.AccountId);
            lockCommand.ExecuteNonQuery();
        }

        using (var exists = new NpgsqlCommand("SELECT count(*) FROM xray_groups WHERE account_id = $1 AND name = $2", connection, transaction))
        {
            exists.Parameters.AddWithValue(group.AccountId);
            exists.Parameters.AddWithValue(group.Name);
            if ((long)exists.ExecuteScalar()! > 0)
            {
                return GroupAddOutcome.NameTaken;
            }
        }

        if (group.Id.Length > 0)
        {
            using var count = new NpgsqlCommand("SELECT count(*) FROM xray_groups WHERE account_id = $1 AND id <> ''", connection, transaction);
            count.Parameters.AddWithValue(group.AccountId);
            if ((long)count.ExecuteScalar()! >= maxGroups)
            {
                return GroupAddOutcome.LimitReached;
            }
        }

        using (var insert = new NpgsqlCommand($"INSERT INTO xray_groups ({Columns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", connection, transaction))
        {
            Bind(insert, group);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return GroupAddOutcome.Added;
    }

    /// <inheritdoc />
    public TraceGroup? Find(string accountId, string name)
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM xray_groups WHERE account_id = $1 AND name = $2", connection);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(name);
        return Read(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<TraceGroup> List(string accountId)
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM xray_groups WHERE account_id = $1 ORDER BY created_at, name COLLATE \"C\"", connection);
        command.Parameters.AddWithValue(accountId);
        return Read(command);
    }

    /// <inheritdoc />
    public bool TryReplace(TraceGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        using var connection = _database.Open();
        using var command = new NpgsqlCommand(
            "UPDATE xray_groups SET filter_expression = $4, insights_enabled = $5, notifications_enabled = $6 WHERE account_id = $1 AND name = $2 AND id = $3",
            connection);
        command.Parameters.AddWithValue(group.AccountId);
        command.Parameters.AddWithValue(group.Name);
        command.Parameters.AddWithValue(group.Id);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)group.FilterExpression ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.AddWithValue(group.InsightsEnabled);
        command.Parameters.AddWithValue(group.NotificationsEnabled);
        return command.ExecuteNonQuery() == 1;
    }

    /// <inheritdoc />
    public TagChangeOutcome ChangeTags(string accountId, string name, string id, TagChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();

        // FOR UPDATE: a node changing the same group's tags at once waits, then reads the tags this change wrote.
        using var read = new NpgsqlCommand("SELECT tags FROM xray_groups WHERE account_id = $1 AND name = $2 AND id = $3 FOR UPDATE", connection, transaction);
        read.Parameters.AddWithValue(accountId);
        read.Parameters.AddWithValue(name);
        read.Parameters.AddWithValue(id);
        if (read.ExecuteScalar() is not string stored)
        {
            return TagChangeOutcome.NotFound;
        }

        if (change.ApplyTo(GroupTags.Read(stored)) is not { } tags)
        {
            return TagChangeOutcome.TooManyTags;
        }

        using var write = new NpgsqlCommand("UPDATE xray_groups SET tags = $4 WHERE account_id = $1 AND name = $2 AND id = $3", connection, transaction);
        write.Parameters.AddWithValue(accountId);
        write.Parameters.AddWithValue(name);
        write.Parameters.AddWithValue(id);
        write.Parameters.AddWithValue(GroupTags.Write(tags));
        write.ExecuteNonQuery();
        transaction.Commit();
        return TagChangeOutcome.Changed;
    }

    /// <inheritdoc />
    public bool TryDelete(string accountId, string name, string id)
    {
        using var connection = _database.Open();
        using var command = new NpgsqlCommand("DELETE FROM xray_groups WHERE account_id = $1 AND name = $2 AND id = $3", connection);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(id);
        return command.ExecuteNonQuery() == 1;
    }

    private static void Bind(NpgsqlCommand command, TraceGroup group)
    {
        command.Parameters.AddWithValue(group.AccountId);
        command.Parameters.AddWithValue(group.Name);
        command.Parameters.AddWithValue(group.Id);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)group.FilterExpression ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.AddWithValue(group.InsightsEnabled);
        command.Parameters.AddWithValue(group.NotificationsEnabled);
        command.Parameters.AddWithValue(GroupTags.Write(group.Tags));
        command.Parameters.AddWithValue(group.CreatedAt.ToUnixTimeMilliseconds());
    }

    private static List<TraceGroup> Read(NpgsqlCommand command)
    {
        using var reader = command.ExecuteReader();
        var groups = new List<TraceGroup>();
        while (reader.Read())
        {
            groups.Add(new TraceGroup(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetBoolean(4),
                reader.GetBoolean(5),
                GroupTags.Read(reader.GetString(6)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        }

        return groups;
    }
}
