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

    public PostgresTraceSnapshot(NpgsqlConnection connection)
    {
        _connection = connection;
        try
        {
            _transaction = connection.BeginTransaction(IsolationLevel.RepeatableRead);
            using var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, _transaction);
            readOnly.ExecuteNonQuery();
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public IReadOnlyList<ChunkHeader> FindHeadersInRange(string accountId, long fromSecond, long toSecond)
    {
        using var select = new NpgsqlCommand(
            "SELECT id, min_time, max_time, data_key_ref FROM chunks WHERE account_id = $1 AND max_time >= $2 AND min_time < $3 ORDER BY max_time DESC, id",
            _connection,
            _transaction);
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, fromSecond);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, toSecond);
        var headers = new List<ChunkHeader>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            headers.Add(new ChunkHeader(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
        }

        return headers;
    }

    public IReadOnlyList<StoredChunk> Load(string accountId, IReadOnlyCollection<long> chunkIds)
    {
        using var select = new NpgsqlCommand(
            "SELECT id, account_id, format, min_time, max_time, data_key_ref, sealed_body, dictionary_id FROM chunks WHERE id = ANY($1) AND account_id = $2",
            _connection,
            _transaction);
        select.Parameters.AddWithValue(NpgsqlDbType.Array | NpgsqlDbType.Bigint, chunkIds.ToArray());
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        var loaded = PostgresTraceStore.ReadChunks(select, withKeys: false).ToDictionary(chunk => chunk.Id);
        // In the order asked for, as each id is looked up in turn.
        return [.. chunkIds.Distinct().Where(loaded.ContainsKey).Select(id => loaded[id])];
    }

    public int CountIndexedTraces(ChunkHeader chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        // Keys begin with the trace's hour, and every trace of a chunk is dated in its time range: only those hours are read.
        using var count = new NpgsqlCommand(
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
        return Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}
