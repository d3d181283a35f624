using Microsoft.Data.Sqlite;
using Tracevault.Storage.Retrievals;

namespace Tracevault.Storage.Sqlite;

/// <summary>Trace retrievals in the SQLite database.</summary>
internal sealed class SqliteTraceRetrievalRepository : ITraceRetrievalRepository
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the repository over a database.</summary>
    public SqliteTraceRetrievalRepository(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public async Task AddAsync(TraceRetrieval retrieval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(retrieval);
        using var connection = _database.Open();
        using var command = Command(connection, $"INSERT INTO trace_retrievals ({RetrievalColumns.All}, changed_at) VALUES ($account, $id, $created, $start, $end, $status, $key, $sealed, $hashes, $chunks, $created)");
        command.Parameters.AddWithValue("$account", retrieval.AccountId);
        command.Parameters.AddWithValue("$id", retrieval.Id);
        command.Parameters.AddWithValue("$created", retrieval.CreatedAt);
        command.Parameters.AddWithValue("$start", retrieval.StartTime);
        command.Parameters.AddWithValue("$end", retrieval.EndTime);
        command.Parameters.AddWithValue("$status", RetrievalColumns.Name(retrieval.Status));
        command.Parameters.AddWithValue("$key", retrieval.DataKeyReference);
        command.Parameters.AddWithValue("$sealed", retrieval.SealedTraceIds);
        command.Parameters.AddWithValue("$hashes", RetrievalColumns.Pack(retrieval.TraceHashes));
        command.Parameters.AddWithValue("$chunks", RetrievalColumns.Pack(retrieval.ChunkIds));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TraceRetrieval?> FindAsync(string accountId, string id, CancellationToken cancellationToken)
    {
        using var connection = _database.Open();
        using var command = Command(connection, $"SELECT {RetrievalColumns.All} FROM trace_retrievals WHERE account_id = $account AND id = $id");
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$id", id);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<TraceRetrieval?> ClaimNextAsync(long now, CancellationToken cancellationToken)
    {
        using var connection = _database.Open();
        // One statement: SQLite's write lock makes the pick and the update one step for every process on the file.
        using var command = Command(connection, $"""
            UPDATE trace_retrievals SET status = 'RUNNING', changed_at = $now
            WHERE rowid = (SELECT rowid FROM trace_retrievals WHERE status = 'SCHEDULED' ORDER BY created_at, id LIMIT 1)
            RETURNING {RetrievalColumns.All}
            """);
        command.Parameters.AddWithValue("$now", now);
        return await ReadOneAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<bool> FinishAsync(string accountId, string id, RetrievalStatus status, IReadOnlyList<long> chunkIds, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        using var connection = _database.Open();
        using var command = Command(connection, "UPDATE trace_retrievals SET status = $status, chunk_ids = $chunks, changed_at = $now WHERE account_id = $account AND id = $id AND status = 'RUNNING'");
        command.Parameters.AddWithValue("$status", RetrievalColumns.Name(status));
        command.Parameters.AddWithValue("$chunks", RetrievalColumns.Pack(chunkIds));
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public async Task<RetrievalStatus?> CancelAsync(string accountId, string id, long now, CancellationToken cancellationToken)
    {
        using var connection = _database.Open();
        using (var update = Command(connection, "UPDATE trace_retrievals SET status = 'CANCELLED', changed_at = $now WHERE account_id = $account AND id = $id AND status IN ('SCHEDULED', 'RUNNING')"))
        {
            update.Parameters.AddWithValue("$now", now);
            update.Parameters.AddWithValue("$account", accountId);
            update.Parameters.AddWithValue("$id", id);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using var select = Command(connection, "SELECT status FROM trace_retrievals WHERE account_id = $account AND id = $id");
        select.Parameters.AddWithValue("$account", accountId);
        select.Parameters.AddWithValue("$id", id);
        return await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string status ? RetrievalColumns.Parse(status) : null;
    }

    /// <inheritdoc />
    public async Task<(int TimedOut, int Deleted)> ExpireAsync(long timeoutBefore, long deleteBefore, CancellationToken cancellationToken)
    {
        using var connection = _database.Open();
        using var timeout = Command(connection, "UPDATE trace_retrievals SET status = 'TIMEOUT', changed_at = $before WHERE status IN ('SCHEDULED', 'RUNNING') AND created_at < $before");
        timeout.Parameters.AddWithValue("$before", timeoutBefore);
        var timedOut = await timeout.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        using var delete = Command(connection, "DELETE FROM trace_retrievals WHERE created_at < $before");
        delete.Parameters.AddWithValue("$before", deleteBefore);
        var deleted = await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return (timedOut, deleted);
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static async Task<TraceRetrieval?> ReadOneAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
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
