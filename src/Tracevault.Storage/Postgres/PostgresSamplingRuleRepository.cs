using Npgsql;
using NpgsqlTypes;
using Tracevault.Core.Sampling;
using Tracevault.Storage.Sampling;
using Tracevault.Storage.Tagging;

namespace Tracevault.Storage.Postgres;

/// <summary>Sampling rules, client statistics and boosts in PostgreSQL, shared by every node of a deployment.</summary>
internal sealed class PostgresSamplingRuleRepository : ISamplingRuleRepository
{
    /// <summary>The first key of the per-account advisory lock rule creation holds ("SR"), the second being the account's hash.</summary>
    private const int CreationLock = 0x5352;

    private const string RuleColumns = "account_id, name, resource_arn, priority, fixed_rate, reservoir_size, service_name, service_type, host, "
        + "http_method, url_path, version, attributes, boost_max_rate, boost_cooldown_minutes, tags, created_at, modified_at";

    private readonly PostgresDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public PostgresSamplingRuleRepository(PostgresDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredSamplingRule>> ListAsync(string accountId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {RuleColumns} FROM sampling_rules WHERE account_id = $1 ORDER BY name COLLATE \"C\"", connection);
        command.Parameters.AddWithValue(accountId);
        return await ReadRulesAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<StoredSamplingRule?> FindAsync(string accountId, string ruleName, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await FindAsync(connection, null, accountId, ruleName, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<SamplingRuleCreation> CreateAsync(StoredSamplingRule rule, int maxRules, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // One creation per account at a time across every node: the name check, the count and the insert are one decision.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1, hashtext($2))", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue(CreationLock);
            lockCommand.Parameters.AddWithValue(rule.AccountId);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (await FindAsync(connection, transaction, rule.AccountId, rule.Rule.Name, cancellationToken).ConfigureAwait(false) is not null)
        {
            return SamplingRuleCreation.NameTaken;
        }

        await using (var count = new NpgsqlCommand("SELECT count(*) FROM sampling_rules WHERE account_id = $1 AND name <> $2", connection, transaction))
        {
            count.Parameters.AddWithValue(rule.AccountId);
            count.Parameters.AddWithValue(SamplingRule.DefaultName);
            if (!rule.Rule.IsDefault && (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! >= maxRules)
            {
                return SamplingRuleCreation.LimitReached;
            }
        }

        await using (var insert = new NpgsqlCommand(
            $"INSERT INTO sampling_rules ({RuleColumns}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            connection,
            transaction))
        {
            AddRule(insert, rule);
            insert.Parameters.AddWithValue(SamplingPairsJson.Write(rule.Tags));
            insert.Parameters.AddWithValue(rule.CreatedAt.ToUnixTimeMilliseconds());
            insert.Parameters.AddWithValue(rule.ModifiedAt.ToUnixTimeMilliseconds());
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ChangedAsync(connection, transaction, rule.AccountId, rule.ModifiedAt, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return SamplingRuleCreation.Created;
    }

    /// <inheritdoc />
    public async Task<bool> UpdateAsync(StoredSamplingRule rule, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var update = new NpgsqlCommand(
            """
            UPDATE sampling_rules SET resource_arn = $3, priority = $4, fixed_rate = $5, reservoir_size = $6, service_name = $7, service_type = $8,
                host = $9, http_method = $10, url_path = $11, version = $12, attributes = $13, boost_max_rate = $14, boost_cooldown_minutes = $15,
                modified_at = $16
            WHERE account_id = $1 AND name = $2
            """,
            connection,
            transaction);
        AddRule(update, rule);
        update.Parameters.AddWithValue(rule.ModifiedAt.ToUnixTimeMilliseconds());
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await ChangedAsync(connection, transaction, rule.AccountId, rule.ModifiedAt, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async Task<TagChangeOutcome> ChangeTagsAsync(string accountId, string ruleName, TagChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // FOR UPDATE: a node changing the same rule's tags at once waits, then reads the tags this change wrote.
        await using var read = new NpgsqlCommand("SELECT tags FROM sampling_rules WHERE account_id = $1 AND name = $2 FOR UPDATE", connection, transaction);
        read.Parameters.AddWithValue(accountId);
        read.Parameters.AddWithValue(ruleName);
        if (await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not string stored)
        {
            return TagChangeOutcome.NotFound;
        }

        if (change.ApplyTo(SamplingPairsJson.Read(stored)) is not { } tags)
        {
            return TagChangeOutcome.TooManyTags;
        }

        await using var write = new NpgsqlCommand("UPDATE sampling_rules SET tags = $3 WHERE account_id = $1 AND name = $2", connection, transaction);
        write.Parameters.AddWithValue(accountId);
        write.Parameters.AddWithValue(ruleName);
        write.Parameters.AddWithValue(SamplingPairsJson.Write(tags));
        await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return TagChangeOutcome.Changed;
    }

    /// <inheritdoc />
    public async Task<StoredSamplingRule?> DeleteAsync(string accountId, string ruleName, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand($"DELETE FROM sampling_rules WHERE account_id = $1 AND name = $2 RETURNING {RuleColumns}", connection, transaction);
        delete.Parameters.AddWithValue(accountId);
        delete.Parameters.AddWithValue(ruleName);
        var found = (await ReadRulesAsync(delete, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        if (found is null)
        {
            return null;
        }

        foreach (var table in (string[])["sampling_statistics", "sampling_boosts"])
        {
            await using var forget = new NpgsqlCommand($"DELETE FROM {table} WHERE account_id = $1 AND rule_name = $2", connection, transaction);
            forget.Parameters.AddWithValue(accountId);
            forget.Parameters.AddWithValue(ruleName);
            await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ChangedAsync(connection, transaction, accountId, at, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return found;
    }

    /// <inheritdoc />
    public async Task<DateTimeOffset?> LastChangeAsync(string accountId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT changed_at FROM sampling_rule_changes WHERE account_id = $1", connection);
        command.Parameters.AddWithValue(accountId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null;
    }

    /// <inheritdoc />
    public async Task RecordStatisticsAsync(string accountId, IReadOnlyList<SamplingStatistics> reports, DateTimeOffset forgetBefore, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // In key order, so two nodes recording overlapping reports at once never wait on each other's rows in opposite orders.
        foreach (var report in reports.OrderBy(r => r.RuleName, StringComparer.Ordinal).ThenBy(r => r.ClientId, StringComparer.Ordinal))
        {
            await using var upsert = new NpgsqlCommand(
                """
                INSERT INTO sampling_statistics (account_id, rule_name, client_id, reported_at, request_count, sampled_count, borrow_count, received_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (account_id, rule_name, client_id) DO UPDATE SET reported_at = excluded.reported_at, request_count = excluded.request_count,
                    sampled_count = excluded.sampled_count, borrow_count = excluded.borrow_count, received_at = excluded.received_at
                """,
                connection,
                transaction);
            upsert.Parameters.AddWithValue(accountId);
            upsert.Parameters.AddWithValue(report.RuleName);
            upsert.Parameters.AddWithValue(report.ClientId);
            upsert.Parameters.AddWithValue(report.Timestamp.ToUnixTimeMilliseconds());
            upsert.Parameters.AddWithValue(report.RequestCount);
            upsert.Parameters.AddWithValue(report.SampledCount);
            upsert.Parameters.AddWithValue(report.BorrowCount);
            upsert.Parameters.AddWithValue(report.ReceivedAt.ToUnixTimeMilliseconds());
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var forget = new NpgsqlCommand("DELETE FROM sampling_statistics WHERE account_id = $1 AND received_at < $2", connection, transaction))
        {
            forget.Parameters.AddWithValue(accountId);
            forget.Parameters.AddWithValue(forgetBefore.ToUnixTimeMilliseconds());
            await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SamplingStatistics>> RecentStatisticsAsync(string accountId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            SELECT rule_name, client_id, reported_at, request_count, sampled_count, borrow_count, received_at FROM sampling_statistics
            WHERE account_id = $1 AND received_at >= $2 ORDER BY rule_name COLLATE "C", client_id COLLATE "C"
            """,
            connection);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(since.ToUnixTimeMilliseconds());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var reports = new List<SamplingStatistics>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            reports.Add(new SamplingStatistics(
                reader.GetString(0),
                reader.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                reader.GetInt64(3),
                reader.GetInt64(4),
                reader.GetInt64(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        }

        return reports;
    }

    /// <inheritdoc />
    public async Task<SamplingBoostState> StartBoostAsync(string accountId, SamplingBoostState boost, DateTimeOffset cooldownSince, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var start = new NpgsqlCommand(
            """
            INSERT INTO sampling_boosts (account_id, rule_name, rate, started_at, until) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (account_id, rule_name) DO UPDATE SET rate = excluded.rate, started_at = excluded.started_at, until = excluded.until
            WHERE sampling_boosts.started_at <= $6
            """,
            connection,
            transaction))
        {
            start.Parameters.AddWithValue(accountId);
            start.Parameters.AddWithValue(boost.RuleName);
            start.Parameters.AddWithValue(boost.Rate);
            start.Parameters.AddWithValue(boost.StartedAt.ToUnixTimeMilliseconds());
            start.Parameters.AddWithValue(boost.Until.ToUnixTimeMilliseconds());
            start.Parameters.AddWithValue(cooldownSince.ToUnixTimeMilliseconds());
            await start.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var latest = (await ReadBoostsAsync(connection, transaction, accountId, boost.RuleName, cancellationToken).ConfigureAwait(false)).Single();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return latest;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SamplingBoostState>> BoostsAsync(string accountId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await ReadBoostsAsync(connection, null, accountId, null, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<SamplingBoostState>> ReadBoostsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string accountId, string? ruleName, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT rule_name, rate, started_at, until FROM sampling_boosts WHERE account_id = $1 AND ($2::text IS NULL OR rule_name = $2) ORDER BY rule_name COLLATE \"C\"",
            connection,
            transaction);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)ruleName ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var boosts = new List<SamplingBoostState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            boosts.Add(new SamplingBoostState(reader.GetString(0), reader.GetDouble(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
        }

        return boosts;
    }

    private static async Task<StoredSamplingRule?> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string accountId, string ruleName, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {RuleColumns} FROM sampling_rules WHERE account_id = $1 AND name = $2", connection, transaction);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(ruleName);
        return (await ReadRulesAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    private static async Task ChangedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string accountId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO sampling_rule_changes (account_id, changed_at) VALUES ($1, $2)
            ON CONFLICT (account_id) DO UPDATE SET changed_at = GREATEST(sampling_rule_changes.changed_at, excluded.changed_at)
            """,
            connection,
            transaction);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(at.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds parameters $1 to $15: the account, then the rule's columns in <see cref="RuleColumns"/> order up to the boost.</summary>
    private static void AddRule(NpgsqlCommand command, StoredSamplingRule stored)
    {
        var rule = stored.Rule;
        command.Parameters.AddWithValue(stored.AccountId);
        command.Parameters.AddWithValue(rule.Name);
        command.Parameters.AddWithValue(rule.ResourceArn);
        command.Parameters.AddWithValue(rule.Priority);
        command.Parameters.AddWithValue(rule.FixedRate);
        command.Parameters.AddWithValue(rule.ReservoirSize);
        command.Parameters.AddWithValue(rule.ServiceName);
        command.Parameters.AddWithValue(rule.ServiceType);
        command.Parameters.AddWithValue(rule.Host);
        command.Parameters.AddWithValue(rule.HttpMethod);
        command.Parameters.AddWithValue(rule.UrlPath);
        command.Parameters.AddWithValue(rule.Version);
        command.Parameters.AddWithValue(SamplingPairsJson.Write(rule.Attributes));
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Double, Value = (object?)rule.RateBoost?.MaxRate ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer, Value = (object?)rule.RateBoost?.CooldownWindowMinutes ?? DBNull.Value });
    }

    private static async Task<List<StoredSamplingRule>> ReadRulesAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rules = new List<StoredSamplingRule>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var attributes = SamplingPairsJson.Read(reader.GetString(12)).ToDictionary(StringComparer.Ordinal);
            var boost = reader.IsDBNull(13) ? null : new SamplingRateBoost(reader.GetDouble(13), reader.GetInt32(14));
            var rule = new SamplingRule(
                reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetDouble(4), reader.GetInt32(5), reader.GetString(6),
                reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.GetString(10), reader.GetInt32(11), attributes, boost);
            rules.Add(new StoredSamplingRule(
                reader.GetString(0),
                rule,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(16)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(17)),
                SamplingPairsJson.Read(reader.GetString(15))));
        }

        return rules;
    }
}
