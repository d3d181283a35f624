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
    public void OpenSnapshot_ChunksDeletedAfterItsFirstRead_StillFindsAndLoadsThem_ANewSnapshotDoesNot()
    {
        var key = _keys.ForSealing(Account);
        Store.Append([Chunk(1, Day - 7200, key), Chunk(2, Day, key)]);

        using (var snapshot = Store.OpenSnapshot())
        {
            Assert.Equal([2L, 1L], snapshot.FindHeadersInRange(Account, 0, long.MaxValue).Select(h => h.Id));
            Assert.Equal(1, Store.DeleteOlderThan(Day - 3600));

            Assert.Equal([2L, 1L], snapshot.FindHeadersInRange(Account, 0, long.MaxValue).Select(h => h.Id));
            Assert.Equal([1L, 2L], snapshot.Load(Account, [1, 2]).Select(c => c.Id).Order());
        }

        using var after = Store.OpenSnapshot();
        Assert.Equal([2L], after.FindHeadersInRange(Account, 0, long.MaxValue).Select(h => h.Id));
        Assert.Equal([2L], after.Load(Account, [1, 2]).Select(c => c.Id));
    }

    [Fact]
    public void OpenSnapshot_RetentionRemovesWholeDaysItHasRead_StillLoadsAndCountsThem_ALaterRoundRemovesNoMore()
    {
        // A chunk three days old (a day retention removes whole) and one of today; the snapshot reads both before retention runs.
        var key = _keys.ForSealing(Account);
        Store.Append([Chunk(1, Day - (3 * 86400), key), Chunk(2, Day, key)]);

        using (var snapshot = Store.OpenSnapshot())
        {
            var headers = snapshot.FindHeadersInRange(Account, 0, long.MaxValue);
            Assert.Equal([2L, 1L], headers.Select(h => h.Id));
            Assert.Equal(1, Store.DeleteOlderThan(Day - 86400));

            Assert.Equal([1L, 2L], snapshot.Load(Account, [1, 2]).Select(c => c.Id).Order());
            Assert.Equal(1, snapshot.CountIndexedTraces(headers[1]));
        }

        Assert.Equal(0, Store.DeleteOlderThan(Day - 86400));
        using var after = Store.OpenSnapshot();
        Assert.Equal([2L], after.FindHeadersInRange(Account, 0, long.MaxValue).Select(h => h.Id));
        Assert.Empty(after.Load(Account, [1]));
    }

    private static StoredChunk Chunk(long id, long minute, DataKey key) =>
        new(id, Account, ChunkCodec.CurrentFormat, minute, minute + 60, key.Reference, ChunkCodec.Seal(Account, id, key, []), [TraceIndexHasher.FirstKeyOfHour(minute) | id]);
}
