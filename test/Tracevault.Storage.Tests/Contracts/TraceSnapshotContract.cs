using Microsoft.Extensions.Time.Testing;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>A read in several steps sees one state of the store: what it found it can load, whatever changes meanwhile.</summary>
public abstract class TraceSnapshotContract : StorageContract
{
    private const string Account = "111122223333";
    private const long Day = 1_764_331_200;

    private readonly DefaultDataKeys _keys = new(new ServiceKey(1, new byte[32]), new FakeTimeProvider(new DateTimeOffset(2025, 11, 28, 12, 0, 0, TimeSpan.Zero)));
    private ITraceStore? _store;

    private ITraceStore Store => _store ??= Backend.OpenTraceStore();

    [Fact]
    public async Task OpenSnapshot_ChunksDeletedAfterItsFirstRead_StillFindsAndLoadsThem_ANewSnapshotDoesNot()
    {
        var key = _keys.ForSealing(Account);
        await Store.AppendAsync([Chunk(1, Day - 7200, key), Chunk(2, Day, key)], CancellationToken.None);

        await using (var snapshot = await Store.OpenSnapshotAsync(CancellationToken.None))
        {
            Assert.Equal([2L, 1L], (await snapshot.FindHeadersInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Select(h => h.Id));
            Assert.Equal(1, await Store.DeleteOlderThanAsync(Day - 3600, CancellationToken.None));

            Assert.Equal([2L, 1L], (await snapshot.FindHeadersInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Select(h => h.Id));
            Assert.Equal([1L, 2L], (await snapshot.LoadAsync(Account, [1, 2], CancellationToken.None)).Select(c => c.Id).Order());
        }

        await using var after = await Store.OpenSnapshotAsync(CancellationToken.None);
        Assert.Equal([2L], (await after.FindHeadersInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Select(h => h.Id));
        Assert.Equal([2L], (await after.LoadAsync(Account, [1, 2], CancellationToken.None)).Select(c => c.Id));
    }

    [Fact]
    public async Task OpenSnapshot_RetentionRemovesWholeDaysItHasRead_StillLoadsAndCountsThem_ALaterRoundRemovesNoMore()
    {
        // A chunk three days old (a day retention removes whole) and one of today; the snapshot reads both before retention runs.
        var key = _keys.ForSealing(Account);
        await Store.AppendAsync([Chunk(1, Day - (3 * 86400), key), Chunk(2, Day, key)], CancellationToken.None);

        await using (var snapshot = await Store.OpenSnapshotAsync(CancellationToken.None))
        {
            var headers = await snapshot.FindHeadersInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None);
            Assert.Equal([2L, 1L], headers.Select(h => h.Id));
            Assert.Equal(1, await Store.DeleteOlderThanAsync(Day - 86400, CancellationToken.None));

            Assert.Equal([1L, 2L], (await snapshot.LoadAsync(Account, [1, 2], CancellationToken.None)).Select(c => c.Id).Order());
            Assert.Equal(1, await snapshot.CountIndexedTracesAsync(headers[1], CancellationToken.None));
        }

        Assert.Equal(0, await Store.DeleteOlderThanAsync(Day - 86400, CancellationToken.None));
        await using var after = await Store.OpenSnapshotAsync(CancellationToken.None);
        Assert.Equal([2L], (await after.FindHeadersInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Select(h => h.Id));
        Assert.Empty(await after.LoadAsync(Account, [1], CancellationToken.None));
    }

    private static StoredChunk Chunk(long id, long minute, DataKey key) =>
        new(id, Account, ChunkCodec.CurrentFormat, minute, minute + 60, key.Reference, ChunkCodec.Seal(Account, id, key, []), [TraceIndexHasher.FirstKeyOfHour(minute) | id]);
}
