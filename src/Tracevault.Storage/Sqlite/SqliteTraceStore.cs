using Microsoft.Data.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Sqlite;

/// <summary>Sealed chunks and their blind index in the SQLite database.</summary>
public sealed class SqliteTraceStore : ITraceStore
{
    private readonly SqliteDatabase _database;

    /// <summary>Creates the store over a database.</summary>
    public SqliteTraceStore(SqliteDatabase database) => _database = database;

    /// <inheritdoc />
    public void Append(IReadOnlyList<StoredChunk> chunks)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction(deferred: false);
        using var chunk = connection.CreateCommand();
        chunk.Transaction = transaction;
        chunk.CommandText = "INSERT INTO chunks (id, account_id, format, min_time, max_time, data_key_ref, sealed_body) VALUES ($id, $account, $format, $min, $max, $ref, $body)";
        var id = chunk.Parameters.Add("$id", SqliteType.Integer);
        var account = chunk.Parameters.Add("$account", SqliteType.Text);
        var format = chunk.Parameters.Add("$format", SqliteType.Integer);
        var min = chunk.Parameters.Add("$min", SqliteType.Integer);
        var max = chunk.Parameters.Add("$max", SqliteType.Integer);
        var reference = chunk.Parameters.Add("$ref", SqliteType.Text);
        var body = chunk.Parameters.Add("$body", SqliteType.Blob);

        using var index = connection.CreateCommand();
        index.Transaction = transaction;
        index.CommandText = "INSERT OR IGNORE INTO trace_index (account_id, trace_hash, chunk_id) VALUES ($account, $hash, $chunk)";
        var indexAccount = index.Parameters.Add("$account", SqliteType.Text);
        var hash = index.Parameters.Add("$hash", SqliteType.Integer);
        var indexChunk = index.Parameters.Add("$chunk", SqliteType.Integer);

        foreach (var stored in chunks)
        {
            id.Value = stored.Id;
            account.Value = stored.AccountId;
            format.Value = stored.Format;
            min.Value = stored.MinTime;
            max.Value = stored.MaxTime;
            reference.Value = stored.DataKeyReference;
            body.Value = stored.SealedBody;
            chunk.ExecuteNonQuery();
            indexAccount.Value = stored.AccountId;
            indexChunk.Value = stored.Id;
            foreach (var traceHash in stored.TraceHashes)
            {
                hash.Value = traceHash;
                index.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredChunk> FindByTraceHashes(string accountId, IReadOnlyCollection<long> traceHashes)
    {
        // One snapshot for the lookups and the loads: a chunk retention deletes in between is either found and loaded, or neither.
        using var snapshot = new Snapshot(_database.Open());
        return snapshot.Load(accountId, snapshot.FindChunkIds(accountId, traceHashes));
    }

    /// <inheritdoc />
    public IReadOnlyList<StoredChunk> FindInRange(string accountId, long fromSecond, long toSecond)
    {
        using var connection = _database.Open();
        using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT id, account_id, format, min_time, max_time, data_key_ref, sealed_body FROM chunks
            WHERE account_id = $account AND max_time >= $from AND min_time < $to
            ORDER BY max_time DESC
            """;
        select.Parameters.AddWithValue("$account", accountId);
        select.Parameters.AddWithValue("$from", fromSecond);
        select.Parameters.AddWithValue("$to", toSecond);
        return ReadChunks(select);
    }

    /// <inheritdoc />
    public ITraceSnapshot OpenSnapshot() => new Snapshot(_database.Open());

    /// <inheritdoc />
    public int DeleteOlderThan(long beforeSecond)
    {
        using var connection = _database.Open();
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM chunks WHERE max_time < $before";
        delete.Parameters.AddWithValue("$before", beforeSecond);
        return delete.ExecuteNonQuery();
    }

    /// <inheritdoc />
    public IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)> DataKeyUsage()
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
            chunks.Add(new StoredChunk(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetString(5), (byte[])reader[6], []));
        }

        return chunks;
    }

    /// <summary>One connection in one read transaction: SQLite's WAL keeps its view fixed from its first read to its end.</summary>
    private sealed class Snapshot : ITraceSnapshot
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteTransaction _transaction;

        public Snapshot(SqliteConnection connection)
        {
            _connection = connection;
            _transaction = connection.BeginTransaction(deferred: true);
        }

        public IReadOnlyList<ChunkHeader> FindHeadersInRange(string accountId, long fromSecond, long toSecond)
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

        /// <summary>The ids of the chunks of an account that hold any of the given trace hashes (the blind index).</summary>
        public HashSet<long> FindChunkIds(string accountId, IReadOnlyCollection<long> traceHashes)
        {
            var ids = new HashSet<long>();
            using var lookup = _connection.CreateCommand();
            lookup.Transaction = _transaction;
            lookup.CommandText = "SELECT chunk_id FROM trace_index WHERE account_id = $account AND trace_hash = $hash";
            lookup.Parameters.AddWithValue("$account", accountId);
            var hash = lookup.Parameters.Add("$hash", SqliteType.Integer);
            foreach (var traceHash in traceHashes)
            {
                hash.Value = traceHash;
                using var reader = lookup.ExecuteReader();
                while (reader.Read())
                {
                    ids.Add(reader.GetInt64(0));
                }
            }

            return ids;
        }

        public IReadOnlyList<StoredChunk> Load(string accountId, IReadOnlyCollection<long> chunkIds)
        {
            using var select = _connection.CreateCommand();
            select.Transaction = _transaction;
            select.CommandText = "SELECT id, account_id, format, min_time, max_time, data_key_ref, sealed_body FROM chunks WHERE id = $id AND account_id = $account";
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

        public void Dispose()
        {
            _transaction.Dispose();
            _connection.Dispose();
        }
    }
}
