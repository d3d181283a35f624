using Npgsql;
using Tracevault.Storage.Indexing;

namespace Tracevault.Storage.Postgres;

/// <summary>Indexing rules in the PostgreSQL database every node shares.</summary>
internal sealed class PostgresIndexingRuleRepository : IIndexingRuleRepository
{
    private readonly PostgresDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public PostgresIndexingRuleRepository(PostgresDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task<StoredIndexingRule?> FindAsync(string accountId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT desired_percentage, modified_at FROM indexing_rules WHERE account_id = $1 AND name = $2", connection);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredIndexingRule(accountId, name, reader.GetDouble(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)))
            : null;
    }

    /// <inheritdoc />
    public async Task SaveAsync(StoredIndexingRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO indexing_rules (account_id, name, desired_percentage, modified_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (account_id, name) DO UPDATE SET desired_percentage = excluded.desired_percentage, modified_at = excluded.modified_at
            """, connection);
        command.Parameters.AddWithValue(rule.AccountId);
        command.Parameters.AddWithValue(rule.Name);
        command.Parameters.AddWithValue(rule.DesiredSamplingPercentage);
        command.Parameters.AddWithValue(rule.ModifiedAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
