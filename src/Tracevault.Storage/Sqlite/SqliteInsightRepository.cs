using Microsoft.Data.Sqlite;
using Tracevault.Storage.Insights;

namespace Tracevault.Storage.Sqlite;

/// <summary>Insights and their per-minute statistics in the SQLite database.</summary>
/// <remarks>SQLite is in-process and its calls block: each asynchronous member does its work before it returns, after checking for cancellation.</remarks>
internal sealed class SqliteInsightRepository : IInsightRepository
{
    private const string InsightColumns = "account_id, insight_id, group_arn, active, start_time, end_time, data_key, body";

    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public SqliteInsightRepository(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public Task<bool> TryClaimMinuteAsync(string accountId, string groupArn, long minute, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var create = Command(connection, "INSERT INTO insight_claims (account_id, group_arn, minute, lease_until) VALUES ($account, $group, $minute - 1, 0) ON CONFLICT DO NOTHING");
        Bind(create, accountId, groupArn).AddWithValue("$minute", minute);
        create.ExecuteNonQuery();

        // One statement: of claimants racing for the minute, the first to update moves the row past their condition.
        using var claim = Command(connection, """
            UPDATE insight_claims SET minute = $minute, lease_until = $until
            WHERE account_id = $account AND group_arn = $group AND minute < $minute AND lease_until <= $now
            """);
        Bind(claim, accountId, groupArn).AddWithValue("$minute", minute);
        claim.Parameters.AddWithValue("$until", leaseUntil.ToUnixTimeMilliseconds());
        claim.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        return Task.FromResult(claim.ExecuteNonQuery() == 1);
    }

    /// <inheritdoc />
    public Task ReleaseMinuteAsync(string accountId, string groupArn, long minute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var release = Command(connection, "UPDATE insight_claims SET lease_until = 0 WHERE account_id = $account AND group_arn = $group AND minute = $minute");
        Bind(release, accountId, groupArn).AddWithValue("$minute", minute);
        release.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<long?> FindLastClaimedMinuteAsync(string accountId, string groupArn, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var find = Command(connection, "SELECT minute FROM insight_claims WHERE account_id = $account AND group_arn = $group");
        Bind(find, accountId, groupArn);
        using var reader = find.ExecuteReader();
        return Task.FromResult(reader.Read() ? reader.GetInt64(0) : (long?)null);
    }

    /// <inheritdoc />
    public Task SaveMinuteAsync(SealedInsightMinute minute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(minute);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var save = Command(connection, "INSERT OR REPLACE INTO insight_minutes (account_id, group_arn, minute, data_key, body) VALUES ($account, $group, $minute, $key, $body)");
        Bind(save, minute.AccountId, minute.GroupArn).AddWithValue("$minute", minute.Minute);
        save.Parameters.AddWithValue("$key", minute.DataKeyReference);
        save.Parameters.AddWithValue("$body", minute.Body);
        save.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SealedInsightMinute>> ListMinutesAsync(string accountId, string groupArn, long fromMinute, long toMinute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var list = Command(connection, """
            SELECT minute, data_key, body FROM insight_minutes
            WHERE account_id = $account AND group_arn = $group AND minute >= $from AND minute <= $to ORDER BY minute
            """);
        Bind(list, accountId, groupArn).AddWithValue("$from", fromMinute);
        list.Parameters.AddWithValue("$to", toMinute);
        using var reader = list.ExecuteReader();
        var minutes = new List<SealedInsightMinute>();
        while (reader.Read())
        {
            minutes.Add(new SealedInsightMinute(accountId, groupArn, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        return Task.FromResult<IReadOnlyList<SealedInsightMinute>>(minutes);
    }

    /// <inheritdoc />
    public Task<int> DeleteMinutesBeforeAsync(string accountId, string groupArn, long minute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var delete = Command(connection, "DELETE FROM insight_minutes WHERE account_id = $account AND group_arn = $group AND minute < $minute");
        Bind(delete, accountId, groupArn).AddWithValue("$minute", minute);
        return Task.FromResult(delete.ExecuteNonQuery());
    }

    /// <inheritdoc />
    public Task SaveInsightAsync(StoredInsight insight, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(insight);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var save = Command(connection, $"INSERT OR REPLACE INTO insights ({InsightColumns}) VALUES ($account, $id, $group, $active, $start, $end, $key, $body)");
        Bind(save, insight.AccountId, insight.GroupArn).AddWithValue("$id", insight.InsightId);
        save.Parameters.AddWithValue("$active", insight.Active ? 1 : 0);
        save.Parameters.AddWithValue("$start", insight.StartTime);
        save.Parameters.AddWithValue("$end", insight.EndTime is { } end ? end : DBNull.Value);
        save.Parameters.AddWithValue("$key", insight.DataKeyReference);
        save.Parameters.AddWithValue("$body", insight.Body);
        save.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<StoredInsight?> FindInsightAsync(string accountId, string insightId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var find = Command(connection, $"SELECT {InsightColumns} FROM insights WHERE account_id = $account AND insight_id = $id");
        find.Parameters.AddWithValue("$account", accountId);
        find.Parameters.AddWithValue("$id", insightId);
        return Task.FromResult(ReadInsights(find).SingleOrDefault());
    }

    /// <inheritdoc />
    public Task<StoredInsight?> FindActiveInsightAsync(string accountId, string groupArn, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var find = Command(connection, $"SELECT {InsightColumns} FROM insights WHERE account_id = $account AND group_arn = $group AND active = 1 ORDER BY start_time DESC LIMIT 1");
        Bind(find, accountId, groupArn);
        return Task.FromResult(ReadInsights(find).SingleOrDefault());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredInsight>> ListInsightsAsync(string accountId, string groupArn, bool? active, long from, long to, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var list = Command(connection, $"""
            SELECT {InsightColumns} FROM insights
            WHERE account_id = $account AND group_arn = $group AND start_time < $to AND (end_time IS NULL OR end_time >= $from)
              AND ($active IS NULL OR active = $active)
            ORDER BY start_time DESC, insight_id
            """);
        Bind(list, accountId, groupArn).AddWithValue("$from", from);
        list.Parameters.AddWithValue("$to", to);
        list.Parameters.AddWithValue("$active", active is { } wanted ? (wanted ? 1 : 0) : DBNull.Value);
        return Task.FromResult<IReadOnlyList<StoredInsight>>(ReadInsights(list));
    }

    /// <inheritdoc />
    public Task AddEventAsync(StoredInsightEvent insightEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(insightEvent);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var add = Command(connection, "INSERT OR REPLACE INTO insight_events (account_id, insight_id, event_time, data_key, body) VALUES ($account, $id, $time, $key, $body)");
        add.Parameters.AddWithValue("$account", insightEvent.AccountId);
        add.Parameters.AddWithValue("$id", insightEvent.InsightId);
        add.Parameters.AddWithValue("$time", insightEvent.EventTime);
        add.Parameters.AddWithValue("$key", insightEvent.DataKeyReference);
        add.Parameters.AddWithValue("$body", insightEvent.Body);
        add.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredInsightEvent>> ListEventsAsync(string accountId, string insightId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var list = Command(connection, "SELECT event_time, data_key, body FROM insight_events WHERE account_id = $account AND insight_id = $id ORDER BY event_time");
        list.Parameters.AddWithValue("$account", accountId);
        list.Parameters.AddWithValue("$id", insightId);
        using var reader = list.ExecuteReader();
        var events = new List<StoredInsightEvent>();
        while (reader.Read())
        {
            events.Add(new StoredInsightEvent(accountId, insightId, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        return Task.FromResult<IReadOnlyList<StoredInsightEvent>>(events);
    }

    private static List<StoredInsight> ReadInsights(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var insights = new List<StoredInsight>();
        while (reader.Read())
        {
            insights.Add(new StoredInsight(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) == 1, reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetString(6), (byte[])reader.GetValue(7)));
        }

        return insights;
    }

    private static SqliteParameterCollection Bind(SqliteCommand command, string accountId, string groupArn)
    {
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$group", groupArn);
        return command.Parameters;
    }

    private static SqliteCommand Command(SqliteConnection connection, string text)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        return command;
    }
}
