using Microsoft.Data.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Sqlite;

/// <summary>Sealed chunks and their blind index in the SQLite database.</summary>
/// <remarks>SQLite is in-process and its calls block: each asynchronous member does its work before it returns, after checking for cancellation.</remarks>
public sealed class SqliteTraceStore : ITraceStore, IStatisticsStore
{
    private readonly SqliteDatabase _database;
    private readonly ChunkIds _chunkIds;

    /// <summary>Creates the store over a database; chunk ids begin with the time <paramref name="time"/> tells (<see cref="ChunkIds"/>).</summary>
    public SqliteTraceStore(SqliteDatabase database, TimeProvider time)
    {
        _database = database;
        _chunkIds = new ChunkIds(time);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<long>> NewChunkIdsAsync(int count, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<long>>(NewChunkIds(count));
    }

    /// <inheritdoc />
    public Task AppendAsync(IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Append(chunks);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredChunk>> FindByTraceHashesAsync(string accountId, IReadOnlyCollection<long> traceHashes, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<StoredChunk>>(FindByTraceHashes(accountId, traceHashes));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredChunk>> FindInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<StoredChunk>>(FindInRange(accountId, fromSecond, toSecond));
    }

    /// <inheritdoc />
    public Task<ITraceSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<ITraceSnapshot>(new Snapshot(_database.Open()));
    }

    /// <inheritdoc />
    public Task AddDictionaryAsync(StoredDictionary dictionary, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        AddDictionary(dictionary);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<StoredDictionary?> FindDictionaryAsync(string accountId, long id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(FindDictionary(accountId, id));
    }

    /// <inheritdoc />
    public Task<int> DeleteOlderThanAsync(long beforeSecond, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(DeleteOlderThan(beforeSecond));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>> DataKeyUsageAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>>(DataKeyUsage());
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken) =>
        FindStatisticsAsync(accountId, fromMinute, toMinute, static (_, _) => true, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// The digest is the greatest chunk id. Chunk ids only grow (<see cref="ChunkIds"/>: the time in milliseconds, then random bits,
    /// and greater than every id the store gave before), so a row added raises it and a row deleted without one added lowers the
    /// count: the marks tell every change. They are read from the primary key alone, without a row of the table.
    /// </remarks>
    public Task<IReadOnlyList<StatisticsMinuteMark>> FindStatisticsMarksAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT minute, count(*), max(chunk_id) FROM chunk_statistics
            WHERE account_id = $account AND minute >= $from AND minute < $to
            GROUP BY minute ORDER BY minute
            """;
        select.Parameters.AddWithValue("$account", accountId);
        select.Parameters.AddWithValue("$from", fromMinute);
        select.Parameters.AddWithValue("$to", toMinute);
        var marks = new List<StatisticsMinuteMark>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            marks.Add(new StatisticsMinuteMark(reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2)));
        }

        return Task.FromResult<IReadOnlyList<StatisticsMinuteMark>>(marks);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, Func<long, long, bool> withBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(withBody);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();

        // One snapshot for both statements: a row retention deletes in between is found with its body, or not at all.
        using var transaction = connection.BeginTransaction(deferred: true);
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = """
            SELECT chunk_id, minute, data_key_ref FROM chunk_statistics
            WHERE account_id = $account AND minute >= $from AND minute < $to
            ORDER BY minute, chunk_id
            """;
        select.Parameters.AddWithValue("$account", accountId);
        select.Parameters.AddWithValue("$from", fromMinute);
        select.Parameters.AddWithValue("$to", toMinute);
        var rows = new List<(long ChunkId, long Minute, string Reference)>();
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
            }
        }

        // The bodies (most of a row's bytes, in overflow pages) are loaded one by one, and only those asked for.
        using var body = connection.CreateCommand();
        body.Transaction = transaction;
        body.CommandText = "SELECT sealed_body FROM chunk_statistics WHERE account_id = $account AND minute = $minute AND chunk_id = $chunk";
        body.Parameters.AddWithValue("$account", accountId);
        var minuteParameter = body.Parameters.Add("$minute", SqliteType.Integer);
        var chunkParameter = body.Parameters.Add("$chunk", SqliteType.Integer);
        var found = new List<StoredStatistics>(rows.Count);
        foreach (var (chunkId, minute, reference) in rows)
        {
            byte[] sealedBody = [];
            if (withBody(chunkId, minute))
            {
                minuteParameter.Value = minute;
                chunkParameter.Value = chunkId;
                sealedBody = (byte[])body.ExecuteScalar()!;
            }

            found.Add(new StoredStatistics(chunkId, accountId, minute, reference, sealedBody));
        }

        return Task.FromResult<IReadOnlyList<StoredStatistics>>(found);
    }

    private long[] NewChunkIds(int count)
    {
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = _chunkIds.Next();
        }

        return ids;
    }

    private void Append(IReadOnlyList<StoredChunk> chunks)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var chunk = connection.CreateCommand();
        chunk.Transaction = transaction;
        chunk.CommandText = "INSERT INTO chunks (id, account_id, format, min_time, max_time, data_key_ref, sealed_body, dictionary_id) VALUES ($id, $account, $format, $min, $max, $ref, $body, $dictionary)";
        var id = chunk.Parameters.Add("$id", SqliteType.Integer);
        var account = chunk.Parameters.Add("$account", SqliteType.Text);
        var format = chunk.Parameters.Add("$format", SqliteType.Integer);
        var min = chunk.Parameters.Add("$min", SqliteType.Integer);
        var max = chunk.Parameters.Add("$max", SqliteType.Integer);
        var reference = chunk.Parameters.Add("$ref", SqliteType.Text);
        var body = chunk.Parameters.Add("$body", SqliteType.Blob);
        var dictionary = chunk.Parameters.Add("$dictionary", SqliteType.Integer);

        using var index = connection.CreateCommand();
        index.Transaction = transaction;
        index.CommandText = "INSERT OR IGNORE INTO blind_index (trace_key, chunk_id) VALUES ($key, $chunk)";
        var hash = index.Parameters.Add("$key", SqliteType.Integer);
        var indexChunk = index.Parameters.Add("$chunk", SqliteType.Integer);

        // Keys of traces whose id carries no time (TraceIndexHasher.IsUndated) go to their own table.
        using var undated = connection.CreateCommand();
        undated.Transaction = transaction;
        undated.CommandText = "INSERT OR IGNORE INTO undated_index (trace_key, chunk_id) VALUES ($key, $chunk)";
        var undatedHash = undated.Parameters.Add("$key", SqliteType.Integer);
        var undatedChunk = undated.Parameters.Add("$chunk", SqliteType.Integer);

        using var statistics = connection.CreateCommand();
        statistics.Transaction = transaction;
        statistics.CommandText = "INSERT INTO chunk_statistics (account_id, minute, chunk_id, max_time, data_key_ref, sealed_body) VALUES ($account, $minute, $chunk, $max, $ref, $body)";
        var statisticsAccount = statistics.Parameters.Add("$account", SqliteType.Text);
        var statisticsMinute = statistics.Parameters.Add("$minute", SqliteType.Integer);
        var statisticsChunk = statistics.Parameters.Add("$chunk", SqliteType.Integer);
        var statisticsMax = statistics.Parameters.Add("$max", SqliteType.Integer);
        var statisticsReference = statistics.Parameters.Add("$ref", SqliteType.Text);
        var statisticsBody = statistics.Parameters.Add("$body", SqliteType.Blob);

        foreach (var stored in chunks)
        {
            foreach (var minute in stored.Statistics)
            {
                statisticsAccount.Value = stored.AccountId;
                statisticsMinute.Value = minute.Minute;
                statisticsChunk.Value = stored.Id;
                statisticsMax.Value = stored.MaxTime;
                statisticsReference.Value = stored.DataKeyReference;
                statisticsBody.Value = minute.SealedBody;
                statistics.ExecuteNonQuery();
            }

            id.Value = stored.Id;
            account.Value = stored.AccountId;
            format.Value = stored.Format;
            min.Value = stored.MinTime;
            max.Value = stored.MaxTime;
            reference.Value = stored.DataKeyReference;
            body.Value = stored.SealedBody;
            dictionary.Value = stored.DictionaryId == 0 ? DBNull.Value : stored.DictionaryId;
            chunk.ExecuteNonQuery();
            indexChunk.Value = stored.Id;
            foreach (var traceHash in stored.TraceHashes)
            {
                if (!TraceIndexHasher.IsUndated(traceHash))
                {
                    hash.Value = traceHash;
                    index.ExecuteNonQuery();
                    continue;
                }

                undatedHash.Value = traceHash;
                undatedChunk.Value = stored.Id;
                undated.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    private List<StoredChunk> FindByTraceHashes(string accountId, IReadOnlyCollection<long> traceHashes)
    {
        // One snapshot for the lookups and the loads: a chunk retention deletes in between is either found and loaded, or neither.
        using var snapshot = new Snapshot(_database.Open());
        var found = snapshot.FindChunkIds(traceHashes);
        return snapshot.Load(accountId, found.Keys).Select(chunk => chunk with { TraceHashes = found[chunk.Id] }).ToList();
    }

    private List<StoredChunk> FindInRange(string accountId, long fromSecond, long toSecond)
    {
        using var connection = _database.Open();
        using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT id, account_id, format, min_time, max_time, data_key_ref, sealed_body, dictionary_id FROM chunks
            WHERE account_id = $account AND max_time >= $from AND min_time < $to
            ORDER BY max_time DESC
            """;
        select.Parameters.AddWithValue("$account", accountId);
        select.Parameters.AddWithValue("$from", fromSecond);
        select.Parameters.AddWithValue("$to", toSecond);
        return ReadChunks(select);
    }

    private void AddDictionary(StoredDictionary dictionary)
    {
        using var connection = _database.Open();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO chunk_dictionaries (id, account_id, data_key_ref, created_time, sealed_dictionary) VALUES ($id, $account, $ref, $created, $sealed)";
        insert.Parameters.AddWithValue("$id", dictionary.Id);
        insert.Parameters.AddWithValue("$account", dictionary.AccountId);
        insert.Parameters.AddWithValue("$ref", dictionary.DataKeyReference);
        insert.Parameters.AddWithValue("$created", dictionary.CreatedTime);
        insert.Parameters.AddWithValue("$sealed", dictionary.SealedBytes);
        insert.ExecuteNonQuery();
    }

    private StoredDictionary? FindDictionary(string accountId, long id)
    {
        using var connection = _database.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT data_key_ref, created_time, sealed_dictionary FROM chunk_dictionaries WHERE id = $id AND account_id = $account";
        select.Parameters.AddWithValue("$id", id);
        select.Parameters.AddWithValue("$account", accountId);
        using var reader = select.ExecuteReader();
        return reader.Read() ? new StoredDictionary(id, accountId, reader.GetString(0), reader.GetInt64(1), (byte[])reader[2]) : null;
    }

    private int DeleteOlderThan(long beforeSecond)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        // Undated keys (W3C ids) have no hour: they go with their chunks, found as the delete below finds them (a pass over the
        // table, as chunks_by_time leads with the account: the index is not read, so retention does not depend on it either).
        using var undated = connection.CreateCommand();
        undated.Transaction = transaction;
        undated.CommandText = "DELETE FROM undated_index WHERE chunk_id IN (SELECT id FROM chunks NOT INDEXED WHERE max_time < $before)";
        undated.Parameters.AddWithValue("$before", beforeSecond);
        undated.ExecuteNonQuery();

        using var statistics = connection.CreateCommand();
        statistics.Transaction = transaction;
        statistics.CommandText = "DELETE FROM chunk_statistics WHERE max_time < $before";
        statistics.Parameters.AddWithValue("$before", beforeSecond);
        statistics.ExecuteNonQuery();

        using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM chunks WHERE max_time < $before";
        delete.Parameters.AddWithValue("$before", beforeSecond);
        var deleted = delete.ExecuteNonQuery();

        // The blind index goes by trace hour: the hours before the cutoff's go as one range. A trace dated before the cutoff is
        // past retention even where its chunk stays (for later segments); an entry of a deleted chunk in the cutoff's own hour
        // finds nothing until the next round removes it.
        using var index = connection.CreateCommand();
        index.Transaction = transaction;
        index.CommandText = "DELETE FROM blind_index WHERE trace_key < $before";
        index.Parameters.AddWithValue("$before", TraceIndexHasher.FirstKeyOfHour(beforeSecond));
        index.ExecuteNonQuery();

        // The writer seals with a dictionary only for a while after training it (DictionaryTrainer.Lifetime, shorter than the
        // shortest retention), so one created before the cutoff that no chunk names will not be named again. It is deleted in a
        // round at least half an hour after the one that found it unused, not with its last chunk: a read that found that chunk
        // just before (in its snapshot) may still be about to load the dictionary.
        using var unused = connection.CreateCommand();
        unused.Transaction = transaction;
        unused.CommandText = """
            DELETE FROM chunk_dictionaries WHERE unused_since <= $before - 1800
                AND NOT EXISTS (SELECT 1 FROM chunks WHERE dictionary_id = chunk_dictionaries.id);
            UPDATE chunk_dictionaries SET unused_since = $before WHERE unused_since IS NULL AND created_time < $before
                AND NOT EXISTS (SELECT 1 FROM chunks WHERE dictionary_id = chunk_dictionaries.id);
            """;
        unused.Parameters.AddWithValue("$before", beforeSecond);
        unused.ExecuteNonQuery();
        transaction.Commit();
        return deleted;
    }

    private List<(string AccountId, string DataKeyReference, int Chunks)> DataKeyUsage()
    {
        using var connection = _database.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT account_id, data_key_ref, COUNT(*) FROM chunks GROUP BY account_id, data_key_ref ORDER BY account_id, MIN(rowid)";
        var usage = new List<(string, string, int)>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            usage.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return usage;
    }

    private static List<StoredChunk> ReadChunks(SqliteCommand command)
    {
        var chunks = new List<StoredChunk>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            chunks.Add(new StoredChunk(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5), (byte[])reader[6], [])
            {
                DictionaryId = reader.IsDBNull(7) ? 0 : reader.GetInt64(7),
            });
        }

        return chunks;
    }

    /// <summary>One connection in one read transaction: SQLite's WAL keeps its view fixed from its first read to its end.</summary>
    private sealed class Snapshot : ITraceSnapshot, IDisposable
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _transaction;

        public Snapshot(SqliteConnection connection)
        {
            _connection = connection;
            _transaction = connection.BeginTransaction(deferred: true);
        }

        public Task<IReadOnlyList<ChunkHeader>> FindHeadersInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult<IReadOnlyList<ChunkHeader>>(FindHeadersInRange(accountId, fromSecond, toSecond));
        }

        public Task<IReadOnlyList<StoredChunk>> LoadAsync(string accountId, IReadOnlyCollection<long> chunkIds, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult<IReadOnlyList<StoredChunk>>(Load(accountId, chunkIds));
        }

        public Task<int> CountIndexedTracesAsync(ChunkHeader chunk, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Task.FromResult(CountIndexedTraces(chunk));
        }

        private List<ChunkHeader> FindHeadersInRange(string accountId, long fromSecond, long toSecond)
        {
            using var select = _connection.CreateCommand();
            select.Transaction = _transaction;
            select.CommandText = """
                SELECT id, min_time, max_time, data_key_ref FROM chunks
                WHERE account_id = $account AND max_time >= $from AND min_time < $to
                ORDER BY max_time DESC, id
                """;
            select.Parameters.AddWithValue("$account", accountId);
            select.Parameters.AddWithValue("$from", fromSecond);
            select.Parameters.AddWithValue("$to", toSecond);
            var headers = new List<ChunkHeader>();
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                headers.Add(new ChunkHeader(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
            }

            return headers;
        }

        /// <summary>The ids of the chunks that hold any of the given blind-index keys (<see cref="TraceIndexHasher"/>), each with the keys it holds.</summary>
        public Dictionary<long, List<long>> FindChunkIds(IReadOnlyCollection<long> traceHashes)
        {
            var ids = new Dictionary<long, List<long>>();
            using var lookup = _connection.CreateCommand();
            lookup.Transaction = _transaction;
            // Keys are per account (keyed hashes under the account's index key); loading checks the account too.
            lookup.CommandText = "SELECT chunk_id FROM blind_index WHERE trace_key = $key";
            var hash = lookup.Parameters.Add("$key", SqliteType.Integer);
            using var undatedLookup = _connection.CreateCommand();
            undatedLookup.Transaction = _transaction;
            undatedLookup.CommandText = "SELECT chunk_id FROM undated_index WHERE trace_key = $key";
            var undatedHash = undatedLookup.Parameters.Add("$key", SqliteType.Integer);
            foreach (var traceHash in traceHashes)
            {
                var command = lookup;
                if (TraceIndexHasher.IsUndated(traceHash))
                {
                    command = undatedLookup;
                    undatedHash.Value = traceHash;
                }
                else
                {
                    hash.Value = traceHash;
                }

                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var chunkId = reader.GetInt64(0);
                    if (!ids.TryGetValue(chunkId, out var found))
                    {
                        ids[chunkId] = found = [];
                    }

                    found.Add(traceHash);
                }
            }

            return ids;
        }

        public List<StoredChunk> Load(string accountId, IReadOnlyCollection<long> chunkIds)
        {
            using var select = _connection.CreateCommand();
            select.Transaction = _transaction;
            select.CommandText = "SELECT id, account_id, format, min_time, max_time, data_key_ref, sealed_body, dictionary_id FROM chunks WHERE id = $id AND account_id = $account";
            select.Parameters.AddWithValue("$account", accountId);
            var id = select.Parameters.Add("$id", SqliteType.Integer);
            var chunks = new List<StoredChunk>(chunkIds.Count);
            foreach (var chunkId in chunkIds)
            {
                id.Value = chunkId;
                chunks.AddRange(ReadChunks(select));
            }

            return chunks;
        }

        private int CountIndexedTraces(ChunkHeader chunk)
        {
            // Keys begin with the trace's hour (TraceIndexHasher), and every trace of a chunk is dated in its time range: only
            // those hours are scanned, not the whole index.
            using var count = _connection.CreateCommand();
            count.Transaction = _transaction;
            count.CommandText = """
                SELECT (SELECT COUNT(*) FROM blind_index WHERE trace_key >= $from AND trace_key < $to AND chunk_id = $chunk)
                     + (SELECT COUNT(*) FROM undated_index WHERE chunk_id = $chunk)
                """;
            count.Parameters.AddWithValue("$from", TraceIndexHasher.FirstKeyOfHour(chunk.MinTime));
            count.Parameters.AddWithValue("$to", TraceIndexHasher.FirstKeyOfHour(chunk.MaxTime + 3600));
            count.Parameters.AddWithValue("$chunk", chunk.Id);
            return Convert.ToInt32(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        public void Dispose()
        {
            _transaction.Dispose();
            _connection.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
