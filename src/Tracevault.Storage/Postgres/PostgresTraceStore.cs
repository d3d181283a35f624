using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Postgres;

/// <summary>Sealed chunks and their blind index in PostgreSQL, shared by every node of a deployment.</summary>
/// <remarks>
/// Thread-safe. Chunk ids come from a database sequence, so nodes appending at once never name two chunks alike; chunks and
/// their indexes are partitioned by day (<see cref="PostgresTracePartitions"/>), so retention drops whole days.
/// </remarks>
public sealed class PostgresTraceStore : ITraceStore, IStatisticsStore, IDisposable
{
    /// <summary>How many chunk ids one number of the <c>chunk_id_blocks</c> sequence stands for.</summary>
    internal const long IdBlock = 1024;

    private const string ChunkColumns = "id, account_id, format, min_time, max_time, data_key_ref, sealed_body, dictionary_id";

    private readonly PostgresDatabase _database;
    private readonly PostgresTracePartitions _partitions = new();
    private readonly SemaphoreSlim _idLock = new(1, 1);
    private long _nextId;
    private long _idsLeft;

    /// <summary>Creates the store over a database (whose schema <see cref="PostgresDatabase"/> applied).</summary>
    public PostgresTraceStore(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> NewChunkIdsAsync(int count, CancellationToken cancellationToken)
    {
        var ids = new long[count];
        await _idLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var i = 0; i < count; i++)
            {
                if (_idsLeft == 0)
                {
                    // A block of ids per round trip; a block a node does not use up is skipped, never given to another.
                    await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
                    await using var next = new NpgsqlCommand("SELECT nextval('chunk_id_blocks')", connection);
                    _nextId = (long)(await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! * IdBlock;
                    _idsLeft = IdBlock;
                }

                ids[i] = _nextId++;
                _idsLeft--;
            }
        }
        finally
        {
            _idLock.Release();
        }

        return ids;
    }

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.Count == 0)
        {
            return;
        }

        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _partitions.EnsureAsync(connection, Days(chunks), cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Binary COPY, a table at a time: one round trip per table, whatever the batch holds.
        await using (var import = await connection.BeginBinaryImportAsync($"COPY chunks ({ChunkColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            foreach (var chunk in chunks)
            {
                await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.Id, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.AccountId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.Format, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.MinTime, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.MaxTime, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.DataKeyReference, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.SealedBody, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                if (chunk.DictionaryId == 0)
                {
                    await import.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await import.WriteAsync(chunk.DictionaryId, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                }
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        var undated = new List<(long Key, StoredChunk Chunk)>();
        await using (var import = await connection.BeginBinaryImportAsync("COPY blind_index (trace_key, chunk_id) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            var keys = new HashSet<long>();
            foreach (var chunk in chunks)
            {
                // Two trace ids of one hour may share a key (40 bits of a hash): the chunk is listed under it once.
                keys.Clear();
                foreach (var key in chunk.TraceHashes)
                {
                    if (!keys.Add(key))
                    {
                        continue;
                    }

                    if (TraceIndexHasher.IsUndated(key))
                    {
                        undated.Add((key, chunk));
                        continue;
                    }

                    await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(key, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(chunk.Id, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                }
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        if (undated.Count > 0)
        {
            await using var import = await connection.BeginBinaryImportAsync("COPY undated_index (trace_key, chunk_id, max_time) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            foreach (var (key, chunk) in undated)
            {
                await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(key, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.Id, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                await import.WriteAsync(chunk.MaxTime, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        if (chunks.Any(c => c.Statistics.Count > 0))
        {
            await using var import = await connection.BeginBinaryImportAsync("COPY chunk_statistics (account_id, minute, chunk_id, max_time, data_key_ref, sealed_body) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
            foreach (var chunk in chunks)
            {
                foreach (var minute in chunk.Statistics)
                {
                    await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(chunk.AccountId, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(minute.Minute, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(chunk.Id, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(chunk.MaxTime, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(chunk.DataKeyReference, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                    await import.WriteAsync(minute.SealedBody, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                }
            }

            await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken) =>
        FindStatisticsAsync(accountId, fromMinute, toMinute, static (_, _) => true, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// The digest is the sum of the chunk ids' 64-bit hashes (<c>hashint8extended</c>), modulo 2⁶³ − 1. The greatest id, which
    /// serves SQLite, would not do: each node takes its chunk ids from its own block of the sequence, so a row one node adds may
    /// have a smaller id than another node's rows of the same minute, and one added while retention deletes another would leave
    /// the count and the greatest id as they were. A sum of hashes changes with any row added or deleted (two changes cancel out
    /// only by a 64-bit coincidence). Read from the primary key (<c>account_id, minute, chunk_id</c>), without the bodies.
    /// </remarks>
    public async Task<IReadOnlyList<StatisticsMinuteMark>> FindStatisticsMarksAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(
            """
            SELECT minute, count(*), (sum(hashint8extended(chunk_id, 0)) % 9223372036854775807)::bigint FROM chunk_statistics
            WHERE account_id = $1 AND minute >= $2 AND minute < $3
            GROUP BY minute ORDER BY minute
            """,
            connection);
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, fromMinute);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, toMinute);
        var marks = new List<StatisticsMinuteMark>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            marks.Add(new StatisticsMinuteMark(reader.GetInt64(0), checked((int)reader.GetInt64(1)), reader.GetInt64(2)));
        }

        return marks;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, Func<long, long, bool> withBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(withBody);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(
            "SELECT chunk_id, minute, data_key_ref, sealed_body FROM chunk_statistics WHERE account_id = $1 AND minute >= $2 AND minute < $3 ORDER BY minute, chunk_id",
            connection);
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, fromMinute);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, toMinute);
        var found = new List<StoredStatistics>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (chunkId, minute) = (reader.GetInt64(0), reader.GetInt64(1));
            found.Add(new StoredStatistics(chunkId, accountId, minute, reader.GetString(2), withBody(chunkId, minute) ? reader.GetFieldValue<byte[]>(3) : []));
        }

        return found;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredChunk>> FindByTraceHashesAsync(string accountId, IReadOnlyCollection<long> traceHashes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(traceHashes);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One statement: the lookups and the loads see one state, so a chunk retention deletes meanwhile is found and loaded, or neither.
        await using var select = new NpgsqlCommand(
            $"""
            SELECT {ChunkColumns}, found.keys FROM (
                SELECT chunk_id, array_agg(trace_key) AS keys FROM (
                    SELECT trace_key, chunk_id FROM blind_index WHERE trace_key = ANY($1)
                    UNION ALL
                    SELECT trace_key, chunk_id FROM undated_index WHERE trace_key = ANY($2)) AS keyed
                GROUP BY chunk_id) AS found
            JOIN chunks ON chunks.id = found.chunk_id
            WHERE chunks.account_id = $3
            ORDER BY chunks.id
            """,
            connection);
        var distinct = traceHashes.Distinct().ToList();
        select.Parameters.AddWithValue(NpgsqlDbType.Array | NpgsqlDbType.Bigint, distinct.Where(key => !TraceIndexHasher.IsUndated(key)).ToArray());
        select.Parameters.AddWithValue(NpgsqlDbType.Array | NpgsqlDbType.Bigint, distinct.Where(TraceIndexHasher.IsUndated).ToArray());
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        return await ReadChunksAsync(select, withKeys: true, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredChunk>> FindInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand(
            $"SELECT {ChunkColumns} FROM chunks WHERE account_id = $1 AND max_time >= $2 AND min_time < $3 ORDER BY max_time DESC, id",
            connection);
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, fromSecond);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, toSecond);
        return await ReadChunksAsync(select, withKeys: false, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ITraceSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) =>
        await PostgresTraceSnapshot.OpenAsync(await _database.OpenAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task AddDictionaryAsync(StoredDictionary dictionary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dictionary);
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var insert = new NpgsqlCommand(
            "INSERT INTO chunk_dictionaries (id, account_id, data_key_ref, created_time, sealed_dictionary) VALUES ($1, $2, $3, $4, $5)",
            connection);
        insert.Parameters.AddWithValue(NpgsqlDbType.Bigint, dictionary.Id);
        insert.Parameters.AddWithValue(NpgsqlDbType.Text, dictionary.AccountId);
        insert.Parameters.AddWithValue(NpgsqlDbType.Text, dictionary.DataKeyReference);
        insert.Parameters.AddWithValue(NpgsqlDbType.Bigint, dictionary.CreatedTime);
        insert.Parameters.AddWithValue(NpgsqlDbType.Bytea, dictionary.SealedBytes);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<StoredDictionary?> FindDictionaryAsync(string accountId, long id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand("SELECT data_key_ref, created_time, sealed_dictionary FROM chunk_dictionaries WHERE id = $1 AND account_id = $2", connection);
        select.Parameters.AddWithValue(NpgsqlDbType.Bigint, id);
        select.Parameters.AddWithValue(NpgsqlDbType.Text, accountId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new StoredDictionary(id, accountId, reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)) : null;
    }

    /// <inheritdoc />
    public async Task<int> DeleteOlderThanAsync(long beforeSecond, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Whole days first; then, in the cutoff's own day (and the default partitions, and any day a read kept from being
        // dropped), the rows. An index entry of a deleted chunk in the cutoff's hour finds nothing until a later round removes it.
        var deleted = await _partitions.DropBeforeAsync(connection, beforeSecond, cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var delete = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("DELETE FROM undated_index WHERE max_time < $1") { Parameters = { new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = beforeSecond } } },
                new NpgsqlBatchCommand("DELETE FROM chunk_statistics WHERE max_time < $1") { Parameters = { new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = beforeSecond } } },
                new NpgsqlBatchCommand("DELETE FROM chunks WHERE max_time < $1") { Parameters = { new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = beforeSecond } } },
                new NpgsqlBatchCommand("DELETE FROM blind_index WHERE trace_key < $1") { Parameters = { new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = TraceIndexHasher.FirstKeyOfHour(beforeSecond) } } },
            },
        };
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        deleted += delete.BatchCommands[2].RecordsAffected;

        // As SqliteTraceStore: a dictionary created before the cutoff that no chunk names is deleted a round at least half an hour
        // after the one that found it so, since a read that found its last chunk just before may still be about to load it.
        await using var unused = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    DELETE FROM chunk_dictionaries WHERE unused_since <= $1 - 1800
                        AND NOT EXISTS (SELECT 1 FROM chunks WHERE dictionary_id = chunk_dictionaries.id)
                    """) { Parameters = { new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = beforeSecond } } },
                new NpgsqlBatchCommand(
                    """
                    UPDATE chunk_dictionaries SET unused_since = $1 WHERE unused_since IS NULL AND created_time < $1
                        AND NOT EXISTS (SELECT 1 FROM chunks WHERE dictionary_id = chunk_dictionaries.id)
                    """) { Parameters = { new() { NpgsqlDbType = NpgsqlDbType.Bigint, Value = beforeSecond } } },
            },
        };
        await unused.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>> DataKeyUsageAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = new NpgsqlCommand("SELECT account_id, data_key_ref, count(*) FROM chunks GROUP BY account_id, data_key_ref ORDER BY account_id, min(id)", connection);
        var usage = new List<(string, string, int)>();
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            usage.Add((reader.GetString(0), reader.GetString(1), Convert.ToInt32(reader.GetInt64(2), CultureInfo.InvariantCulture)));
        }

        return usage;
    }

    /// <summary>Reads chunk rows (<c>ChunkColumns</c>, then the keys found when <paramref name="withKeys"/>).</summary>
    internal static async Task<List<StoredChunk>> ReadChunksAsync(NpgsqlCommand command, bool withKeys, CancellationToken cancellationToken)
    {
        var chunks = new List<StoredChunk>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            chunks.Add(new StoredChunk(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetInt64(3),
                reader.GetInt64(4),
                reader.GetString(5),
                reader.GetFieldValue<byte[]>(6),
                withKeys ? reader.GetFieldValue<long[]>(8) : [])
            {
                DictionaryId = reader.IsDBNull(7) ? 0 : reader.GetInt64(7),
            });
        }

        return chunks;
    }

    /// <inheritdoc />
    public void Dispose() => _idLock.Dispose();

    /// <summary>The days whose partitions an append needs: each chunk's, each dated key's, and the day after the newest.</summary>
    private static HashSet<long> Days(IReadOnlyList<StoredChunk> chunks)
    {
        var days = new HashSet<long>();
        foreach (var chunk in chunks)
        {
            var day = PostgresTracePartitions.DayOf(chunk.MaxTime);
            days.Add(day);
            days.Add(day + 1);
            foreach (var key in chunk.TraceHashes)
            {
                if (!TraceIndexHasher.IsUndated(key))
                {
                    days.Add(PostgresTracePartitions.DayOfKey(key));
                }
            }
        }

        return days;
    }
}
