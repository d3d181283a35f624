using Tracevault.Storage.Indexing;

namespace Tracevault.Storage.Sqlite;

/// <summary>Indexing rules in the SQLite database.</summary>
internal sealed class SqliteIndexingRuleRepository : IIndexingRuleRepository
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public SqliteIndexingRuleRepository(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public Task<StoredIndexingRule?> FindAsync(string accountId, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT desired_percentage, modified_at FROM indexing_rules WHERE account_id = $account AND name = $name";
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$name", name);
        using var reader = command.ExecuteReader();
        return Task.FromResult(reader.Read()
            ? new StoredIndexingRule(accountId, name, reader.GetDouble(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)))
            : null);
    }

    /// <inheritdoc />
    public Task SaveAsync(StoredIndexingRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO indexing_rules (account_id, name, desired_percentage, modified_at) VALUES ($account, $name, $percentage, $at)
            ON CONFLICT (account_id, name) DO UPDATE SET desired_percentage = excluded.desired_percentage, modified_at = excluded.modified_at
            """;
        command.Parameters.AddWithValue("$account", rule.AccountId);
        command.Parameters.AddWithValue("$name", rule.Name);
        command.Parameters.AddWithValue("$percentage", rule.DesiredSamplingPercentage);
        command.Parameters.AddWithValue("$at", rule.ModifiedAt.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }
}
