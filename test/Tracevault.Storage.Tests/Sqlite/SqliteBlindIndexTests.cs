using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The blind index keyed by trace hour: entries written before it are still found, retention removes whole hours, chunk ids increase, rows are keyed per account.</summary>
public sealed class SqliteBlindIndexTests : IDisposable
{
    private const string Account = "111122223333";

    // 2025-11-28 12:00 UTC; a chunk's time range from 12:59 to 13:01 touches two hours.
    private const long Noon = 1_764_331_200;

    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-index-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(Noon));
    private readonly DefaultDataKeys _keys;
    private int _stores;

    public SqliteBlindIndexTests() => _keys = new DefaultDataKeys(new ServiceKey(1, new byte[32]), _time);

    private string DatabasePath => Path.Combine(_directory, SqliteDatabase.FileName);

    [Fact]
    public async Task Migration_EntriesOfTheIndexBeforeHourKeys_AreFoundUnderTheHourOfTheirTrace()
    {
        var indexKey = _keys.TraceIndexKey(Account);
        var inFirstHour = "1-69299cb2-aaaaaaaaaaaaaaaaaaaaaaaa";  // 12:59:30
        var inSecondHour = "1-69299cee-bbbbbbbbbbbbbbbbbbbbbbbb"; // 13:00:30
        Assert.NotEqual(TraceIndexHasher.Hash(indexKey, inFirstHour) >> TraceIndexHasher.HashBits, TraceIndexHasher.Hash(indexKey, inSecondHour) >> TraceIndexHasher.HashBits);
        var store = new SqliteTraceStore(new SqliteDatabase(DatabasePath), _time);
        var key = _keys.ForSealing(Account);
        await store.AppendAsync([new StoredChunk(42, Account, ChunkCodec.CurrentFormat, Noon + 3540, Noon + 3660, key.Reference, ChunkCodec.Seal(Account, 42, key, []), [])], CancellationToken.None);

        // The store as it was at schema step 3: the index by account, the first 64 bits of the HMAC, chunk id.
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var downgrade = connection.CreateCommand();
            downgrade.CommandText = """
                DROP TABLE blind_index;
                CREATE TABLE trace_index (
                    account_id TEXT NOT NULL,
                    trace_hash INTEGER NOT NULL,
                    chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
                    PRIMARY KEY (account_id, trace_hash, chunk_id)) WITHOUT ROWID;
                CREATE INDEX trace_index_by_chunk ON trace_index (chunk_id);
                ALTER TABLE chunk_dictionaries DROP COLUMN unused_since;
                DROP TABLE undated_index;
                UPDATE schema_versions SET version = 3 WHERE part = 'traces';
                """;
            downgrade.ExecuteNonQuery();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO trace_index VALUES ($account, $hash, 42)";
            insert.Parameters.AddWithValue("$account", Account);
            var hash = insert.Parameters.Add("$hash", SqliteType.Integer);
            foreach (var traceId in new[] { inFirstHour, inSecondHour })
            {
                hash.Value = LegacyHash(indexKey, traceId);
                insert.ExecuteNonQuery();
            }
        }

        SqliteConnection.ClearAllPools();
        var migrated = new SqliteTraceStore(new SqliteDatabase(DatabasePath), _time);

        Assert.Equal([42L], (await migrated.FindByTraceHashesAsync(Account, [TraceIndexHasher.Hash(indexKey, inFirstHour)], CancellationToken.None)).Select(c => c.Id));
        Assert.Equal([42L], (await migrated.FindByTraceHashesAsync(Account, [TraceIndexHasher.Hash(indexKey, inSecondHour)], CancellationToken.None)).Select(c => c.Id));
        Assert.Empty(await migrated.FindByTraceHashesAsync(Account, [TraceIndexHasher.Hash(indexKey, "1-69299cee-cccccccccccccccccccccccc")], CancellationToken.None));
        Assert.Empty(await migrated.FindByTraceHashesAsync("444455556666", [TraceIndexHasher.Hash(indexKey, inFirstHour)], CancellationToken.None));
    }

    [Fact]
    public async Task StoreAsync_SuccessiveWrites_IncreasingChunkIds_AndRetentionRemovesTheIndexOfHoursBeforeTheCutoff()
    {
        var store = new SqliteTraceStore(new SqliteDatabase(DatabasePath), _time);
        await using (var writer = new ChunkWriter(store, _keys, _keys, new TraceStoreOptions(), _time))
        {
            foreach (var hour in new long[] { 0, 1, 2 })
            {
                var traceId = $"1-{Noon + (hour * 3600):x8}-{hour:x24}";
                var segment = StoredSegment(traceId, $"{hour:x16}", Noon + (hour * 3600), Noon + (hour * 3600) + 1);
                Assert.True((await writer.StoreAsync(Account, [segment], CancellationToken.None)).IsStored);
            }
        }

        Assert.Equal(3, IndexEntries());
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT id FROM chunks ORDER BY min_time";
            var ids = new List<long>();
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(reader.GetInt64(0));
            }

            Assert.Equal(3, ids.Count);
            Assert.Equal(ids.Order(), ids);
        }

        // The cutoff falls inside the second hour: the first hour's entries go with its chunk, the rest stay.
        Assert.Equal(1, await store.DeleteOlderThanAsync(Noon + 3600 + 30, CancellationToken.None));
        Assert.Equal(2, IndexEntries());
    }

    [Fact]
    public async Task StoreAsync_SameTraceIdInTwoAccounts_IndexRowsDiffer_AndChangeWithTheServiceKey()
    {
        const string OtherAccount = "444455556666";
        var traceId = $"1-{Noon:x8}-0123456789abcdef01234567";
        var segment = StoredSegment(traceId, "0123456789abcdef", Noon, Noon + 1);

        var first = await IndexRowsAsync(_keys, [Account, OtherAccount], segment);
        var underAnotherServiceKey = await IndexRowsAsync(new DefaultDataKeys(new ServiceKey(1, Enumerable.Repeat((byte)1, 32).ToArray()), _time), [Account, OtherAccount], segment);

        // One row per account, both in the trace's hour; the hashed part differs per account and per key, so an id
        // cannot be tested at rest without the key, nor matched across accounts.
        Assert.Equal(2, first[Account].Count + first[OtherAccount].Count);
        var hourKey = TraceIndexHasher.FirstKeyOfHour(Noon);
        Assert.All(first.Values.SelectMany(r => r), key => Assert.Equal(hourKey, key >> TraceIndexHasher.HashBits << TraceIndexHasher.HashBits));
        Assert.NotEqual(first[Account], first[OtherAccount]);
        Assert.NotEqual(first[Account], underAnotherServiceKey[Account]);
        Assert.NotEqual(first[OtherAccount], underAnotherServiceKey[OtherAccount]);
        Assert.Equal([TraceIndexHasher.Hash(_keys.TraceIndexKey(Account), traceId)], first[Account]);
    }

    /// <summary>Stores the segment in each account (a fresh store each), returning the blind-index rows each write adds.</summary>
    private async Task<Dictionary<string, List<long>>> IndexRowsAsync(DefaultDataKeys keys, string[] accounts, ChunkSegment segment)
    {
        var rows = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var account in accounts)
        {
            var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory, $"store-{_stores++}")).FullName, SqliteDatabase.FileName);
            var store = new SqliteTraceStore(new SqliteDatabase(path), _time);
            await using (var writer = new ChunkWriter(store, keys, keys, new TraceStoreOptions(), _time))
            {
                Assert.True((await writer.StoreAsync(account, [segment], CancellationToken.None)).IsStored);
            }

            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var select = connection.CreateCommand();
            select.CommandText = "SELECT trace_key FROM blind_index ORDER BY trace_key";
            using var reader = select.ExecuteReader();
            rows[account] = [];
            while (reader.Read())
            {
                rows[account].Add(reader.GetInt64(0));
            }
        }

        SqliteConnection.ClearAllPools();
        return rows;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The blind-index hash before hour keys: the first 8 bytes of HMAC-SHA256(indexKey, traceId).</summary>
    private static long LegacyHash(byte[] indexKey, string traceId) =>
        BitConverter.ToInt64(System.Security.Cryptography.HMACSHA256.HashData(indexKey, System.Text.Encoding.ASCII.GetBytes(traceId)));

    private static ChunkSegment StoredSegment(string traceId, string id, double start, double end) =>
        new(traceId, id, false, start, end, System.Text.Encoding.UTF8.GetBytes(string.Create(
            System.Globalization.CultureInfo.InvariantCulture, $$"""{"name":"svc","id":"{{id}}","trace_id":"{{traceId}}","start_time":{{start:R}},"end_time":{{end:R}}}""")));

    private long IndexEntries()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM blind_index";
        return (long)count.ExecuteScalar()!;
    }
}
