using Npgsql;
using Tracevault.Storage.Retrievals;

namespace Tracevault.Storage.Postgres;

/// <summary>Trace retrievals in the PostgreSQL database every node shares.</summary>
internal sealed class PostgresTraceRetrievalRepository : ITraceRetrievalRepository
{
    private readonly PostgresDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public PostgresTraceRetrievalRepository(PostgresDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task AddAsync(TraceRetrieval retrieval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(retrieval);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"INSERT INTO trace_retrievals ({RetrievalColumns.All}, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $3)", connection);
        command.Parameters.AddWithValue(retrieval.AccountId);
        command.Parameters.AddWithValue(retrieval.Id);
        command.Parameters.AddWithValue(retrieval.CreatedAt);
        command.Parameters.AddWithValue(retrieval.StartTime);
        command.Parameters.AddWithValue(retrieval.EndTime);
        command.Parameters.AddWithValue(RetrievalColumns.Name(retrieval.Status));
        command.Parameters.AddWithValue(retrieval.DataKeyReference);
        command.Parameters.AddWithValue(retrieval.SealedTraceIds);
        command.Parameters.AddWithValue(RetrievalColumns.Pack(retrieval.TraceHashes));
        command.Parameters.AddWithValue(RetrievalColumns.Pack(retrieval.ChunkIds));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TraceRetrieval?> FindAsync(string accountId, string id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {RetrievalColumns.All} FROM trace_retrievals WHERE account_id = $1 AND id = $2", connection);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(id);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TraceRetrieval?> ClaimNextAsync(long now, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // SKIP LOCKED: nodes claiming at once each take another row, and none waits on a row another node is taking.
        await using var command = new NpgsqlCommand($"""
            UPDATE trace_retrievals SET status = 'RUNNING', changed_at = $1
            WHERE (account_id, id) = (SELECT account_id, id FROM trace_retrievals WHERE status = 'SCHEDULED' ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
              AND status = 'SCHEDULED'
            RETURNING {RetrievalColumns.All}
            """, connection);
        command.Parameters.AddWithValue(now);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> FinishAsync(string accountId, string id, RetrievalStatus status, IReadOnlyList<long> chunkIds, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("UPDATE trace_retrievals SET status = $1, chunk_ids = $2, changed_at = $3 WHERE account_id = $4 AND id = $5 AND status = 'RUNNING'", connection);
        command.Parameters.AddWithValue(RetrievalColumns.Name(status));
        command.Parameters.AddWithValue(RetrievalColumns.Pack(chunkIds));
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<RetrievalStatus?> CancelAsync(string accountId, string id, long now, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var update = new NpgsqlCommand("UPDATE trace_retrievals SET status = 'CANCELLED', changed_at = $1 WHERE account_id = $2 AND id = $3 AND status IN ('SCHEDULED', 'RUNNING')", connection))
        {
            update.Parameters.AddWithValue(now);
            update.Parameters.AddWithValue(accountId);
            update.Parameters.AddWithValue(id);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var select = new NpgsqlCommand("SELECT status FROM trace_retrievals WHERE account_id = $1 AND id = $2", connection);
        select.Parameters.AddWithValue(accountId);
        select.Parameters.AddWithValue(id);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string status ? RetrievalColumns.Parse(status) : null;
    }

    /// <inheritdoc />
    public async Task<(int TimedOut, int Deleted)> ExpireAsync(long timeoutBefore, long deleteBefore, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var timeout = new NpgsqlCommand("UPDATE trace_retrievals SET status = 'TIMEOUT', changed_at = $1 WHERE status IN ('SCHEDULED', 'RUNNING') AND created_at < $1", connection);
        timeout.Parameters.AddWithValue(timeoutBefore);
        var timedOut = await timeout.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlCommand("DELETE FROM trace_retrievals WHERE created_at < $1", connection);
        delete.Parameters.AddWithValue(deleteBefore);
        var deleted = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return (timedOut, deleted);
    }

    private static async Task<TraceRetrieval?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new TraceRetrieval(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetInt64(2),
            reader.GetDouble(3),
            reader.GetDouble(4),
            RetrievalColumns.Parse(reader.GetString(5)),
            reader.GetString(6),
            (byte[])reader.GetValue(7),
            RetrievalColumns.Unpack((byte[])reader.GetValue(8)))
        {
            ChunkIds = RetrievalColumns.Unpack((byte[])reader.GetValue(9)),
        };
    }
}
