using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Postgres;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>What only PostgreSQL's trace store has: day partitions that retention drops whole, and chunk ids from a sequence.</summary>
public sealed class PostgresTracePartitionTests : IDisposable
{
    private const string Account = "111122223333";

    // Noon, 2025-11-28 (UTC).
    private const long Noon = 1_764_331_200;

    private readonly PostgresBackendUnderTest _backend = new();
    private readonly DefaultDataKeys _keys = new(new ServiceKey(1, new byte[32]), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Noon)));

    public void Dispose() => _backend.Dispose();

    [Fact]
    public async Task DeleteOlderThan_DaysWhollyBeforeTheCutoff_DropsTheirPartitions_AndDeletesRowsOnlyInTheCutoffsDay()
    {
        var database = _backend.OpenDatabase();
        var store = new PostgresTraceStore(database);
        var key = _keys.ForSealing(Account);
        await store.AppendAsync([await ChunkAsync(store, Noon - (3 * 86400), key), await ChunkAsync(store, Noon - (2 * 3600), key), await ChunkAsync(store, Noon + 3600, key)], CancellationToken.None);
        Assert.Equal(["20251125", "20251126", "20251128", "20251129"], Days(database, "chunks"));
        Assert.Equal(Days(database, "chunks"), Days(database, "blind_index"));
        Assert.Equal(Days(database, "chunks"), Days(database, "undated_index"));

        Assert.Equal(2, await store.DeleteOlderThanAsync(Noon, CancellationToken.None));

        Assert.Equal(["20251128", "20251129"], Days(database, "chunks"));
        Assert.Equal(["20251128", "20251129"], Days(database, "blind_index"));
        Assert.Equal(["20251128", "20251129"], Days(database, "undated_index"));
        Assert.Single(await store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteOlderThan_WhileASnapshotHoldsADay_DeletesItsRows_AndDropsItInTheFirstRoundAfter()
    {
        var database = _backend.OpenDatabase();
        var store = new PostgresTraceStore(database);
        var key = _keys.ForSealing(Account);
        var old = await ChunkAsync(store, Noon - (3 * 86400), key);
        await store.AppendAsync([old, await ChunkAsync(store, Noon, key)], CancellationToken.None);

        await using (var snapshot = await store.OpenSnapshotAsync(CancellationToken.None))
        {
            Assert.Equal(2, (await snapshot.FindHeadersInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Count);
            Assert.Equal(1, await store.DeleteOlderThanAsync(Noon - 86400, CancellationToken.None));
            Assert.Contains("20251125", Days(database, "chunks"));
            Assert.Equal(old.SealedBody, Assert.Single(await snapshot.LoadAsync(Account, [old.Id], CancellationToken.None)).SealedBody);
        }

        Assert.Equal(0, await store.DeleteOlderThanAsync(Noon - 86400, CancellationToken.None));
        Assert.DoesNotContain("20251125", Days(database, "chunks"));
    }

    [Fact]
    public async Task NewChunkIds_TwoNodesAtOnce_NeverGiveOneIdTwice()
    {
        var nodes = new[] { new PostgresTraceStore(_backend.OpenDatabase()), new PostgresTraceStore(_backend.OpenDatabase()) };

        var taken = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var ids = new List<long>();
            for (var round = 0; round < 50; round++)
            {
                ids.AddRange(await nodes[i % 2].NewChunkIdsAsync(97, CancellationToken.None));
            }

            return ids;
        })));

        var all = taken.SelectMany(ids => ids).ToList();
        Assert.Equal(8 * 50 * 97, all.Count);
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public async Task Append_ADayTheDefaultPartitionAlreadyHolds_StaysThere_FoundAndRemovedAsAnyOther()
    {
        // A node that could not make a day's partitions (a read held the tables too long) left that day's rows in the default
        // partitions; the day's partition cannot be made over them, so later chunks of that day go there too.
        var database = _backend.OpenDatabase();
        var store = new PostgresTraceStore(database);
        var key = _keys.ForSealing(Account);
        var first = await ChunkAsync(store, Noon, key);
        using (var connection = database.Open())
        using (var insert = new NpgsqlCommand("INSERT INTO chunks_default (id, account_id, format, min_time, max_time, data_key_ref, sealed_body) VALUES ($1, $2, $3, $4, $5, $6, $7)", connection))
        {
            insert.Parameters.AddWithValue(first.Id);
            insert.Parameters.AddWithValue(first.AccountId);
            insert.Parameters.AddWithValue(first.Format);
            insert.Parameters.AddWithValue(first.MinTime);
            insert.Parameters.AddWithValue(first.MaxTime);
            insert.Parameters.AddWithValue(first.DataKeyReference);
            insert.Parameters.AddWithValue(first.SealedBody);
            insert.ExecuteNonQuery();
        }

        var second = await ChunkAsync(store, Noon + 60, key);
        await store.AppendAsync([second], CancellationToken.None);

        Assert.DoesNotContain("20251128", Days(database, "chunks"));
        Assert.Equal([second.Id, first.Id], (await store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Select(c => c.Id));
        Assert.Equal([second.Id], (await store.FindByTraceHashesAsync(Account, second.TraceHashes, CancellationToken.None)).Select(c => c.Id));
        Assert.Equal(2, await store.DeleteOlderThanAsync(Noon + 86400, CancellationToken.None));
        Assert.Empty(await store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None));
    }

    private static async Task<StoredChunk> ChunkAsync(PostgresTraceStore store, long minute, DataKey key)
    {
        var id = (await store.NewChunkIdsAsync(1, CancellationToken.None))[0];
        return new StoredChunk(id, Account, ChunkCodec.CurrentFormat, minute, minute + 60, key.Reference, ChunkCodec.Seal(Account, id, key, []), [TraceIndexHasher.FirstKeyOfHour(minute) | 7, -7 - id]);
    }

    /// <summary>The days a partitioned table has partitions of, as yyyyMMdd, in order.</summary>
    private static List<string> Days(PostgresDatabase database, string table)
    {
        using var connection = database.Open();
        using var select = new NpgsqlCommand(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid WHERE pg_inherits.inhparent = $1::regclass",
            connection);
        select.Parameters.AddWithValue(table);
        var days = new List<string>();
        using var reader = select.ExecuteReader();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            if (name.StartsWith(table + "_p", StringComparison.Ordinal))
            {
                days.Add(name[(table.Length + 2)..]);
            }
        }

        return [.. days.Order(StringComparer.Ordinal)];
    }
}
