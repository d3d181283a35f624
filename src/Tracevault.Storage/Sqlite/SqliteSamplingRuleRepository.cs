using System.Globalization;
using Microsoft.Data.Sqlite;
using Tracevault.Core.Sampling;
using Tracevault.Storage.Sampling;
using Tracevault.Storage.Tagging;

namespace Tracevault.Storage.Sqlite;

/// <summary>Sampling rules, client statistics and boosts in the SQLite database.</summary>
internal sealed class SqliteSamplingRuleRepository : ISamplingRuleRepository
{
    private const string RuleColumns = "account_id, name, resource_arn, priority, fixed_rate, reservoir_size, service_name, service_type, host, "
        + "http_method, url_path, version, attributes, boost_max_rate, boost_cooldown_minutes, tags, created_at, modified_at";

    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public SqliteSamplingRuleRepository(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredSamplingRule>> ListAsync(string accountId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {RuleColumns} FROM sampling_rules WHERE account_id = $account ORDER BY name";
        command.Parameters.AddWithValue("$account", accountId);
        return Task.FromResult<IReadOnlyList<StoredSamplingRule>>(ReadRules(command));
    }

    /// <inheritdoc />
    public Task<StoredSamplingRule?> FindAsync(string accountId, string ruleName, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        return Task.FromResult(Find(connection, null, accountId, ruleName));
    }

    /// <inheritdoc />
    public Task<SamplingRuleCreation> CreateAsync(StoredSamplingRule rule, int maxRules, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();

        // BEGIN IMMEDIATE: the name check, the count and the insert are one decision, whichever process makes it.
        using var transaction = connection.BeginTransaction(deferred: false);
        if (Find(connection, transaction, rule.AccountId, rule.Rule.Name) is not null)
        {
            return Task.FromResult(SamplingRuleCreation.NameTaken);
        }

        using (var count = connection.CreateCommand())
        {
            count.Transaction = transaction;
            count.CommandText = "SELECT count(*) FROM sampling_rules WHERE account_id = $account AND name <> $default";
            count.Parameters.AddWithValue("$account", rule.AccountId);
            count.Parameters.AddWithValue("$default", SamplingRule.DefaultName);
            if (!rule.Rule.IsDefault && Convert.ToInt64(count.ExecuteScalar(), CultureInfo.InvariantCulture) >= maxRules)
            {
                return Task.FromResult(SamplingRuleCreation.LimitReached);
            }
        }

        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = $"""
                INSERT INTO sampling_rules ({RuleColumns}) VALUES ($account, $name, $resource, $priority, $rate, $reservoir, $service, $type,
                    $host, $method, $path, $version, $attributes, $boostRate, $boostCooldown, $tags, $created, $modified)
                """;
            AddRule(insert, rule);
            insert.Parameters.AddWithValue("$tags", SamplingPairsJson.Write(rule.Tags));
            insert.Parameters.AddWithValue("$created", rule.CreatedAt.ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }

        Changed(connection, transaction, rule.AccountId, rule.ModifiedAt);
        transaction.Commit();
        return Task.FromResult(SamplingRuleCreation.Created);
    }

    /// <inheritdoc />
    public Task<bool> UpdateAsync(StoredSamplingRule rule, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE sampling_rules SET resource_arn = $resource, priority = $priority, fixed_rate = $rate, reservoir_size = $reservoir,
                service_name = $service, service_type = $type, host = $host, http_method = $method, url_path = $path, version = $version,
                attributes = $attributes, boost_max_rate = $boostRate, boost_cooldown_minutes = $boostCooldown, modified_at = $modified
            WHERE account_id = $account AND name = $name
            """;
        AddRule(update, rule);
        if (update.ExecuteNonQuery() == 0)
        {
            return Task.FromResult(false);
        }

        Changed(connection, transaction, rule.AccountId, rule.ModifiedAt);
        transaction.Commit();
        return Task.FromResult(true);
    }

    /// <inheritdoc />
    public Task<TagChangeOutcome> ChangeTagsAsync(string accountId, string ruleName, TagChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();

        // BEGIN IMMEDIATE: the tags read are the tags changed, whichever process changes them at once.
        using var transaction = connection.BeginTransaction(deferred: false);
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT tags FROM sampling_rules WHERE account_id = $account AND name = $name";
        read.Parameters.AddWithValue("$account", accountId);
        read.Parameters.AddWithValue("$name", ruleName);
        if (read.ExecuteScalar() is not string stored)
        {
            return Task.FromResult(TagChangeOutcome.NotFound);
        }

        if (change.ApplyTo(SamplingPairsJson.Read(stored)) is not { } tags)
        {
            return Task.FromResult(TagChangeOutcome.TooManyTags);
        }

        using var write = connection.CreateCommand();
        write.Transaction = transaction;
        write.CommandText = "UPDATE sampling_rules SET tags = $tags WHERE account_id = $account AND name = $name";
        write.Parameters.AddWithValue("$account", accountId);
        write.Parameters.AddWithValue("$name", ruleName);
        write.Parameters.AddWithValue("$tags", SamplingPairsJson.Write(tags));
        write.ExecuteNonQuery();
        transaction.Commit();
        return Task.FromResult(TagChangeOutcome.Changed);
    }

    /// <inheritdoc />
    public Task<StoredSamplingRule?> DeleteAsync(string accountId, string ruleName, DateTimeOffset at, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        var found = Find(connection, transaction, accountId, ruleName);
        if (found is null)
        {
            return Task.FromResult<StoredSamplingRule?>(null);
        }

        using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = """
                DELETE FROM sampling_rules WHERE account_id = $account AND name = $name;
                DELETE FROM sampling_statistics WHERE account_id = $account AND rule_name = $name;
                DELETE FROM sampling_boosts WHERE account_id = $account AND rule_name = $name;
                """;
            delete.Parameters.AddWithValue("$account", accountId);
            delete.Parameters.AddWithValue("$name", ruleName);
            delete.ExecuteNonQuery();
        }

        Changed(connection, transaction, accountId, at);
        transaction.Commit();
        return Task.FromResult<StoredSamplingRule?>(found);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> LastChangeAsync(string accountId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT changed_at FROM sampling_rule_changes WHERE account_id = $account";
        command.Parameters.AddWithValue("$account", accountId);
        return Task.FromResult(command.ExecuteScalar() is long at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : (DateTimeOffset?)null);
    }

    /// <inheritdoc />
    public Task RecordStatisticsAsync(string accountId, IReadOnlyList<SamplingStatistics> reports, DateTimeOffset forgetBefore, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var report in reports)
        {
            using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO sampling_statistics (account_id, rule_name, client_id, reported_at, request_count, sampled_count, borrow_count, received_at)
                VALUES ($account, $rule, $client, $reported, $requests, $sampled, $borrowed, $received)
                ON CONFLICT (account_id, rule_name, client_id) DO UPDATE SET reported_at = excluded.reported_at, request_count = excluded.request_count,
                    sampled_count = excluded.sampled_count, borrow_count = excluded.borrow_count, received_at = excluded.received_at
                """;
            upsert.Parameters.AddWithValue("$account", accountId);
            upsert.Parameters.AddWithValue("$rule", report.RuleName);
            upsert.Parameters.AddWithValue("$client", report.ClientId);
            upsert.Parameters.AddWithValue("$reported", report.Timestamp.ToUnixTimeMilliseconds());
            upsert.Parameters.AddWithValue("$requests", report.RequestCount);
            upsert.Parameters.AddWithValue("$sampled", report.SampledCount);
            upsert.Parameters.AddWithValue("$borrowed", report.BorrowCount);
            upsert.Parameters.AddWithValue("$received", report.ReceivedAt.ToUnixTimeMilliseconds());
            upsert.ExecuteNonQuery();
        }

        using (var forget = connection.CreateCommand())
        {
            forget.Transaction = transaction;
            forget.CommandText = "DELETE FROM sampling_statistics WHERE account_id = $account AND received_at < $before";
            forget.Parameters.AddWithValue("$account", accountId);
            forget.Parameters.AddWithValue("$before", forgetBefore.ToUnixTimeMilliseconds());
            forget.ExecuteNonQuery();
        }

        transaction.Commit();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SamplingStatistics>> RecentStatisticsAsync(string accountId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT rule_name, client_id, reported_at, request_count, sampled_count, borrow_count, received_at FROM sampling_statistics
            WHERE account_id = $account AND received_at >= $since ORDER BY rule_name, client_id
            """;
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        var reports = new List<SamplingStatistics>();
        while (reader.Read())
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

        return Task.FromResult<IReadOnlyList<SamplingStatistics>>(reports);
    }

    /// <inheritdoc />
    public Task<SamplingBoostState> StartBoostAsync(string accountId, SamplingBoostState boost, DateTimeOffset cooldownSince, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using (var start = connection.CreateCommand())
        {
            start.Transaction = transaction;
            start.CommandText = """
                INSERT INTO sampling_boosts (account_id, rule_name, rate, started_at, until) VALUES ($account, $rule, $rate, $started, $until)
                ON CONFLICT (account_id, rule_name) DO UPDATE SET rate = excluded.rate, started_at = excluded.started_at, until = excluded.until
                WHERE sampling_boosts.started_at <= $cooldown
                """;
            start.Parameters.AddWithValue("$account", accountId);
            start.Parameters.AddWithValue("$rule", boost.RuleName);
            start.Parameters.AddWithValue("$rate", boost.Rate);
            start.Parameters.AddWithValue("$started", boost.StartedAt.ToUnixTimeMilliseconds());
            start.Parameters.AddWithValue("$until", boost.Until.ToUnixTimeMilliseconds());
            start.Parameters.AddWithValue("$cooldown", cooldownSince.ToUnixTimeMilliseconds());
            start.ExecuteNonQuery();
        }

        var latest = ReadBoosts(connection, transaction, accountId, boost.RuleName).Single();
        transaction.Commit();
        return Task.FromResult(latest);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SamplingBoostState>> BoostsAsync(string accountId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        return Task.FromResult<IReadOnlyList<SamplingBoostState>>(ReadBoosts(connection, null, accountId, null));
    }

    private static List<SamplingBoostState> ReadBoosts(SqliteConnection connection, SqliteTransaction? transaction, string accountId, string? ruleName)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT rule_name, rate, started_at, until FROM sampling_boosts WHERE account_id = $account AND ($rule IS NULL OR rule_name = $rule) ORDER BY rule_name";
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$rule", (object?)ruleName ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var boosts = new List<SamplingBoostState>();
        while (reader.Read())
        {
            boosts.Add(new SamplingBoostState(reader.GetString(0), reader.GetDouble(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
        }

        return boosts;
    }

    private static StoredSamplingRule? Find(SqliteConnection connection, SqliteTransaction? transaction, string accountId, string ruleName)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT {RuleColumns} FROM sampling_rules WHERE account_id = $account AND name = $name";
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$name", ruleName);
        return ReadRules(command).SingleOrDefault();
    }

    private static void Changed(SqliteConnection connection, SqliteTransaction transaction, string accountId, DateTimeOffset at)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO sampling_rule_changes (account_id, changed_at) VALUES ($account, $at)
            ON CONFLICT (account_id) DO UPDATE SET changed_at = max(changed_at, excluded.changed_at)
            """;
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    private static void AddRule(SqliteCommand command, StoredSamplingRule stored)
    {
        var rule = stored.Rule;
        command.Parameters.AddWithValue("$account", stored.AccountId);
        command.Parameters.AddWithValue("$name", rule.Name);
        command.Parameters.AddWithValue("$resource", rule.ResourceArn);
        command.Parameters.AddWithValue("$priority", rule.Priority);
        command.Parameters.AddWithValue("$rate", rule.FixedRate);
        command.Parameters.AddWithValue("$reservoir", rule.ReservoirSize);
        command.Parameters.AddWithValue("$service", rule.ServiceName);
        command.Parameters.AddWithValue("$type", rule.ServiceType);
        command.Parameters.AddWithValue("$host", rule.Host);
        command.Parameters.AddWithValue("$method", rule.HttpMethod);
        command.Parameters.AddWithValue("$path", rule.UrlPath);
        command.Parameters.AddWithValue("$version", rule.Version);
        command.Parameters.AddWithValue("$attributes", SamplingPairsJson.Write(rule.Attributes));
        command.Parameters.AddWithValue("$boostRate", (object?)rule.RateBoost?.MaxRate ?? DBNull.Value);
        command.Parameters.AddWithValue("$boostCooldown", (object?)rule.RateBoost?.CooldownWindowMinutes ?? DBNull.Value);
        command.Parameters.AddWithValue("$modified", stored.ModifiedAt.ToUnixTimeMilliseconds());
    }

    private static List<StoredSamplingRule> ReadRules(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rules = new List<StoredSamplingRule>();
        while (reader.Read())
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
