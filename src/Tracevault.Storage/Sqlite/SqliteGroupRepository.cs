using System.Globalization;
using Microsoft.Data.Sqlite;
using Tracevault.Storage.Groups;
using Tracevault.Storage.Tagging;

namespace Tracevault.Storage.Sqlite;

/// <summary>X-Ray groups in the SQLite database.</summary>
internal sealed class SqliteGroupRepository : IGroupRepository
{
    private const string Columns = "account_id, name, id, filter_expression, insights_enabled, notifications_enabled, tags, created_at";

    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public SqliteGroupRepository(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public GroupAddOutcome TryAdd(TraceGroup group, int maxGroups)
    {
        ArgumentNullException.ThrowIfNull(group);
        using var connection = _database.Open();
        // BEGIN IMMEDIATE: another process adding at the same time waits, so the count stays true until the insert.
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var exists = Command(connection, transaction, "SELECT count(*) FROM xray_groups WHERE account_id = $account AND name = $name"))
        {
            exists.Parameters.AddWithValue("$account", group.AccountId);
            exists.Parameters.AddWithValue("$name", group.Name);
            if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) > 0)
            {
                return GroupAddOutcome.NameTaken;
            }
        }

        if (group.Id.Length > 0)
        {
            using var count = Command(connection, transaction, "SELECT count(*) FROM xray_groups WHERE account_id = $account AND id <> ''");
            count.Parameters.AddWithValue("$account", group.AccountId);
            if (Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture) >= maxGroups)
            {
                return GroupAddOutcome.LimitReached;
            }
        }

        using (var insert = Command(connection, transaction, $"INSERT INTO xray_groups ({Columns}) VALUES ($account, $name, $id, $filter, $insights, $notifications, $tags, $at)"))
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
        using var command = Command(connection, null, $"SELECT {Columns} FROM xray_groups WHERE account_id = $account AND name = $name");
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$name", name);
        return Read(command).SingleOrDefault();
    }

    /// <inheritdoc />
    public IReadOnlyList<TraceGroup> List(string accountId)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, $"SELECT {Columns} FROM xray_groups WHERE account_id = $account ORDER BY created_at, name");
        command.Parameters.AddWithValue("$account", accountId);
        return Read(command);
    }

    /// <inheritdoc />
    public bool TryReplace(TraceGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        using var connection = _database.Open();
        using var command = Command(connection, null, """
            UPDATE xray_groups SET filter_expression = $filter, insights_enabled = $insights, notifications_enabled = $notifications
            WHERE account_id = $account AND name = $name AND id = $id
            """);
        Bind(command, group);
        return command.ExecuteNonQuery() == 1;
    }

    /// <inheritdoc />
    public TagChangeOutcome ChangeTags(string accountId, string name, string id, TagChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var connection = _database.Open();

        // BEGIN IMMEDIATE: the tags read are the tags changed, whichever process changes them at once.
        using var transaction = connection.BeginTransaction(deferred: false);
        using var read = Command(connection, transaction, "SELECT tags FROM xray_groups WHERE account_id = $account AND name = $name AND id = $id");
        read.Parameters.AddWithValue("$account", accountId);
        read.Parameters.AddWithValue("$name", name);
        read.Parameters.AddWithValue("$id", id);
        if (read.ExecuteScalar() is not string stored)
        {
            return TagChangeOutcome.NotFound;
        }

        if (change.ApplyTo(GroupTags.Read(stored)) is not { } tags)
        {
            return TagChangeOutcome.TooManyTags;
        }

        using var write = Command(connection, transaction, "UPDATE xray_groups SET tags = $tags WHERE account_id = $account AND name = $name AND id = $id");
        write.Parameters.AddWithValue("$account", accountId);
        write.Parameters.AddWithValue("$name", name);
        write.Parameters.AddWithValue("$id", id);
        write.Parameters.AddWithValue("$tags", GroupTags.Write(tags));
        write.ExecuteNonQuery();
        transaction.Commit();
        return TagChangeOutcome.Changed;
    }

    /// <inheritdoc />
    public bool TryDelete(string accountId, string name, string id)
    {
        using var connection = _database.Open();
        using var command = Command(connection, null, "DELETE FROM xray_groups WHERE account_id = $account AND name = $name AND id = $id");
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() == 1;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string text)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = text;
        return command;
    }

    private static void Bind(SqliteCommand command, TraceGroup group)
    {
        command.Parameters.AddWithValue("$account", group.AccountId);
        command.Parameters.AddWithValue("$name", group.Name);
        command.Parameters.AddWithValue("$id", group.Id);
        command.Parameters.AddWithValue("$filter", (object?)group.FilterExpression ?? DBNull.Value);
        command.Parameters.AddWithValue("$insights", group.InsightsEnabled ? 1 : 0);
        command.Parameters.AddWithValue("$notifications", group.NotificationsEnabled ? 1 : 0);
        command.Parameters.AddWithValue("$tags", GroupTags.Write(group.Tags));
        command.Parameters.AddWithValue("$at", group.CreatedAt.ToUnixTimeMilliseconds());
    }

    private static List<TraceGroup> Read(SqliteCommand command)
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
                reader.GetInt64(4) != 0,
                reader.GetInt64(5) != 0,
                GroupTags.Read(reader.GetString(6)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        }

        return groups;
    }
}
