using Npgsql;
using NpgsqlTypes;
using Tracevault.Storage.Insights;

namespace Tracevault.Storage.Postgres;

/// <summary>Insights and their per-minute statistics in the PostgreSQL database every node shares.</summary>
internal sealed class PostgresInsightRepository : IInsightRepository
{
    private const string InsightColumns = "account_id, insight_id, group_arn, active, start_time, end_time, data_key, body";

    private readonly PostgresDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public PostgresInsightRepository(PostgresDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<bool> TryClaimMinuteAsync(string accountId, string groupArn, long minute, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var create = Command(connection, "INSERT INTO insight_claims (account_id, group_arn, minute, lease_until) VALUES ($1, $2, $3 - 1, 0) ON CONFLICT DO NOTHING", accountId, groupArn, minute))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // One statement: of nodes racing for the minute, the first to update moves the row past the others' condition (they
        // wait on its row lock, then see the new row, which no longer matches).
        await using var claim = Command(
            connection,
            "UPDATE insight_claims SET minute = $3, lease_until = $4 WHERE account_id = $1 AND group_arn = $2 AND minute < $3 AND lease_until <= $5",
            accountId, groupArn, minute, leaseUntil.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds());
        return await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task ReleaseMinuteAsync(string accountId, string groupArn, long minute, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var release = Command(connection, "UPDATE insight_claims SET lease_until = 0 WHERE account_id = $1 AND group_arn = $2 AND minute = $3", accountId, groupArn, minute);
        await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<long?> FindLastClaimedMinuteAsync(string accountId, string groupArn, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var find = Command(connection, "SELECT minute FROM insight_claims WHERE account_id = $1 AND group_arn = $2", accountId, groupArn);
        return await find.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long minute ? minute : null;
    }

    /// <inheritdoc />
    public async Task SaveMinuteAsync(SealedInsightMinute minute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(minute);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var save = Command(
            connection,
            """
            INSERT INTO insight_minutes (account_id, group_arn, minute, data_key, body) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (account_id, group_arn, minute) DO UPDATE SET data_key = excluded.data_key, body = excluded.body
            """,
            minute.AccountId, minute.GroupArn, minute.Minute, minute.DataKeyReference, minute.Body);
        await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SealedInsightMinute>> ListMinutesAsync(string accountId, string groupArn, long fromMinute, long toMinute, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var list = Command(
            connection,
            "SELECT minute, data_key, body FROM insight_minutes WHERE account_id = $1 AND group_arn = $2 AND minute >= $3 AND minute <= $4 ORDER BY minute",
            accountId, groupArn, fromMinute, toMinute);
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var minutes = new List<SealedInsightMinute>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            minutes.Add(new SealedInsightMinute(accountId, groupArn, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        return minutes;
    }

    /// <inheritdoc />
    public async Task<int> DeleteMinutesBeforeAsync(string accountId, string groupArn, long minute, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = Command(connection, "DELETE FROM insight_minutes WHERE account_id = $1 AND group_arn = $2 AND minute < $3", accountId, groupArn, minute);
        return await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task SaveInsightAsync(StoredInsight insight, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(insight);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var save = Command(
            connection,
            $"""
            INSERT INTO insights ({InsightColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (account_id, insight_id) DO UPDATE SET group_arn = excluded.group_arn, active = excluded.active, start_time = excluded.start_time,
                end_time = excluded.end_time, data_key = excluded.data_key, body = excluded.body
            """,
            insight.AccountId, insight.InsightId, insight.GroupArn, insight.Active ? 1L : 0L, insight.StartTime, Nullable(insight.EndTime), insight.DataKeyReference, insight.Body);
        await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<StoredInsight?> FindInsightAsync(string accountId, string insightId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var find = Command(connection, $"SELECT {InsightColumns} FROM insights WHERE account_id = $1 AND insight_id = $2", accountId, insightId);
        return (await ReadInsightsAsync(find, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <inheritdoc />
    public async Task<StoredInsight?> FindActiveInsightAsync(string accountId, string groupArn, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var find = Command(connection, $"SELECT {InsightColumns} FROM insights WHERE account_id = $1 AND group_arn = $2 AND active = 1 ORDER BY start_time DESC LIMIT 1", accountId, groupArn);
        return (await ReadInsightsAsync(find, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredInsight>> ListInsightsAsync(string accountId, string groupArn, bool? active, long from, long to, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var list = Command(
            connection,
            $"""
            SELECT {InsightColumns} FROM insights
            WHERE account_id = $1 AND group_arn = $2 AND start_time < $4 AND (end_time IS NULL OR end_time >= $3) AND ($5::bigint IS NULL OR active = $5)
            ORDER BY start_time DESC, insight_id
            """,
            accountId, groupArn, from, to, Nullable(active is { } wanted ? (wanted ? 1L : 0L) : null));
        return await ReadInsightsAsync(list, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task AddEventAsync(StoredInsightEvent insightEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(insightEvent);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var add = Command(
            connection,
            """
            INSERT INTO insight_events (account_id, insight_id, event_time, data_key, body) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (account_id, insight_id, event_time) DO UPDATE SET data_key = excluded.data_key, body = excluded.body
            """,
            insightEvent.AccountId, insightEvent.InsightId, insightEvent.EventTime, insightEvent.DataKeyReference, insightEvent.Body);
        await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredInsightEvent>> ListEventsAsync(string accountId, string insightId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var list = Command(connection, "SELECT event_time, data_key, body FROM insight_events WHERE account_id = $1 AND insight_id = $2 ORDER BY event_time", accountId, insightId);
        await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<StoredInsightEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(new StoredInsightEvent(accountId, insightId, reader.GetInt64(0), reader.GetString(1), (byte[])reader.GetValue(2)));
        }

        return events;
    }

    private static async Task<List<StoredInsight>> ReadInsightsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var insights = new List<StoredInsight>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            insights.Add(new StoredInsight(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) == 1, reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), reader.GetString(6), (byte[])reader.GetValue(7)));
        }

        return insights;
    }

    private static NpgsqlParameter Nullable(long? value) => new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = value is { } v ? v : DBNull.Value };

    private static NpgsqlCommand Command(NpgsqlConnection connection, string text, params object[] values)
    {
        var command = new NpgsqlCommand(text, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
