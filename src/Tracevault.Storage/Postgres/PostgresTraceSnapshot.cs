using System.Data;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Postgres;

/// <summary>
/// One connection in one read-only REPEATABLE READ transaction: PostgreSQL keeps its view fixed from its first read to its end,
/// and a table it has read cannot be dropped under it (retention deletes that day's rows instead).
/// </summary>
internal sealed class PostgresTraceSnapshot : ITraceSnapshot
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private PostgresTraceSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        _connection = connection;
        _transaction = transaction;
    }

    /// <summary>Begins the snapshot's transaction on <paramref name="connection"/>, which it then owns.</summary>
    public static async Task<PostgresTraceSnapshot> OpenAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            await using var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction);
            await readOnly.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new PostgresTraceSnapshot(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<IReadOnlyList<ChunkHeader>> FindHeadersInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            "SELECT id, min_time, max_time, data_key_ref FROM chunks WHERE account_id = $1 AND max_time >= $2 AND min_time < $3 ORDER BY max_time DESC, id",
            _connection,
            _transaction);
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, fromSecond);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, toSecond);
        var headers = new List<ChunkHeader>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            headers.Add(new ChunkHeader(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
        }

        return headers;
    }

    public async Task<IReadOnlyList<StoredChunk>> LoadAsync(string accountId, IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand(
            "SELECT id, account_id, format, min_time, max_time, data_key_ref, sealed_body, dictionary_id FROM chunks WHERE id = ANY($1) AND account_id = $2",
            _connection,
            _transaction);
        select.Parameters.AddWithValue(NpgsqlDbType.Array | NpgsqlDbType.Bigint, chunkIds.ToArray());
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        var loaded = (await PostgresTraceStore.ReadChunksAsync(select, withKeys: false, cancellationToken).ConfigureAwait(false)).ToDictionary(chunk => chunk.Id);
        // In the order asked for, as each id is looked up in turn.
        return [.. chunkIds.Distinct().Where(loaded.ContainsKey).Select(id => loaded[id])];
    }

    public async Task<int> CountIndexedTracesAsync(ChunkHeader chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        // Keys begin with the trace's hour, and every trace of a chunk is dated in its time range: only those hours are read.
        await using var count = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM blind_index WHERE trace_key >= $1 AND trace_key < $2 AND chunk_id = $3)
                 + (SELECT count(*) FROM undated_index WHERE chunk_id = $3 AND max_time = $4)
            """,
            _connection,
            _transaction);
        count.Parameters.AddWithValue(NpgsqlDbType.Bigint, TraceIndexHasher.FirstKeyOfHour(chunk.MinTime));
        count.Parameters.AddWithValue(NpgsqlDbType.Bigint, TraceIndexHasher.FirstKeyOfHour(chunk.MaxTime + 3600));
        count.Parameters.AddWithValue(NpgsqlDbType.Bigint, chunk.Id);
        count.Parameters.AddWithValue(NpgsqlDbType.Bigint, chunk.MaxTime);
        return Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }
}
