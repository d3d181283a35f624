using System.Globalization;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;
using static Tracevault.Storage.Tests.Traces.CompressionDictionaryTests;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>Appending and retention: what several writers store is kept whole and apart; retention removes what is past the cutoff, and only that.</summary>
public abstract class TraceStoreContract : StorageContract
{
    private const string Account = "111122223333";

    // Noon, 2025-11-28 (UTC).
    private const long Noon = 1_764_331_200;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(Noon));
    private readonly DefaultDataKeys _keys;
    private ITraceStore? _store;

    protected TraceStoreContract() => _keys = new DefaultDataKeys(new ServiceKey(1, new byte[32]), _time);

    private ITraceStore Store => _store ??= Backend.OpenTraceStore();

    [Fact]
    public async Task StoreAsync_TwoOpeningsWritingAtOnce_NameEveryChunkApart_AndEverySegmentReadsBack()
    {
        // Two openings of one store, as two processes or nodes: their writers seal and append at the same time.
        var other = Backend.OpenTraceStore();
        var written = new List<ChunkSegment>();
        await using (var first = new ChunkWriter(Store, _keys, _keys, new TraceStoreOptions(), _time))
        await using (var second = new ChunkWriter(other, _keys, _keys, new TraceStoreOptions(), _time))
        {
            var writes = Enumerable.Range(0, 40).Select(i => (Writer: i % 2 == 0 ? first : second, Segments: Documents(i * 10, 10))).ToList();
            written.AddRange(writes.SelectMany(w => w.Segments));
            var outcomes = await Task.WhenAll(writes.Select(w => Task.Run(() => w.Writer.StoreAsync(Account, w.Segments, CancellationToken.None))));
            Assert.All(outcomes, outcome => Assert.True(outcome.IsStored));
        }

        var chunks = await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None);
        Assert.Equal(chunks.Count, chunks.Select(c => c.Id).Distinct().Count());
        Assert.All(chunks, c => Assert.True(c.Id > 0));
        var read = await new TraceReader(other, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ReadRangeAsync(Account, 0, long.MaxValue, Caller.ForService(Account, "xray.amazonaws.com"), CancellationToken.None);
        Assert.Equal(Texts(written).Order(StringComparer.Ordinal), Texts(read.Values.SelectMany(s => s)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task NewChunkIds_OneOpening_PositiveAndIncreasing()
    {
        var ids = (await Store.NewChunkIdsAsync(50, CancellationToken.None)).Concat(await Store.NewChunkIdsAsync(3000, CancellationToken.None)).Concat(await Store.NewChunkIdsAsync(1, CancellationToken.None)).ToList();

        Assert.Equal(3051, ids.Count);
        Assert.All(ids, id => Assert.True(id > 0));
        Assert.All(ids.Zip(ids.Skip(1)), pair => Assert.True(pair.Second > pair.First));
    }

    [Fact]
    public async Task Append_ABatchThatFailsPartWay_StoresNoneOfIt()
    {
        // The second chunk takes the first one's id (a day later, with the same trace key): the batch is refused whole.
        var key = _keys.ForSealing(Account);
        var id = (await Store.NewChunkIdsAsync(1, CancellationToken.None))[0];
        var first = Chunk(id, Noon, key);
        var again = Chunk(id, Noon + 86400, key) with { TraceHashes = first.TraceHashes };

        var before = await Store.NewChunkIdsAsync(1, CancellationToken.None);

        await Assert.ThrowsAnyAsync<Exception>(() => Store.AppendAsync([Chunk(before[0], Noon - 60, key), first, again], CancellationToken.None));

        Assert.Empty(await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None));
        Assert.Empty(await Store.FindByTraceHashesAsync(Account, first.TraceHashes, CancellationToken.None));
        Assert.Empty(await Store.DataKeyUsageAsync(CancellationToken.None));
    }

    [Fact]
    public async Task DeleteOlderThan_ChunksOfSeveralDays_DeletesThoseWhollyBeforeTheCutoff_WithTheirIndexEntries_AndKeepsTheRest()
    {
        // Two days before, three hours before, one across the cutoff, one a day after: each with a dated and an undated trace.
        var key = _keys.ForSealing(Account);
        var minutes = new[] { Noon - (2 * 86400), Noon - (3 * 3600), Noon - 30, Noon + 86400 };
        var ids = await Store.NewChunkIdsAsync(minutes.Length, CancellationToken.None);
        var chunks = minutes.Select((minute, i) => Chunk(ids[i], minute, key)).ToList();
        await Store.AppendAsync(chunks, CancellationToken.None);
        var keys = chunks.ToDictionary(c => c.Id, c => c.TraceHashes);

        Assert.Equal(2, await Store.DeleteOlderThanAsync(Noon, CancellationToken.None));

        Assert.Equal([ids[3], ids[2]], (await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None)).Select(c => c.Id));
        Assert.Empty(await Store.FindByTraceHashesAsync(Account, [.. keys[ids[0]], .. keys[ids[1]]], CancellationToken.None));
        var found = (await Store.FindByTraceHashesAsync(Account, [.. keys.Values.SelectMany(k => k)], CancellationToken.None)).OrderBy(c => c.Id).ToList();
        Assert.Equal([ids[2], ids[3]], found.Select(c => c.Id));
        Assert.All(found, c => Assert.Equal(keys[c.Id].Order(), c.TraceHashes.Order()));
        await using (var snapshot = await Store.OpenSnapshotAsync(CancellationToken.None))
        {
            Assert.Equal(2, await snapshot.CountIndexedTracesAsync((await snapshot.FindHeadersInRangeAsync(Account, Noon, Noon + 1, CancellationToken.None)).Single(), CancellationToken.None));
        }

        Assert.Equal((Account, key.Reference, 2), Assert.Single(await Store.DataKeyUsageAsync(CancellationToken.None)));
        Assert.Equal(0, await Store.DeleteOlderThanAsync(Noon, CancellationToken.None));
        Assert.Equal(2, await Store.DeleteOlderThanAsync(Noon + (2 * 86400), CancellationToken.None));
        Assert.Empty(await Store.FindByTraceHashesAsync(Account, [.. keys.Values.SelectMany(k => k)], CancellationToken.None));
    }

    /// <summary>A chunk of one minute holding a trace dated in it (after its first half minute) and one with a W3C id.</summary>
    private static StoredChunk Chunk(long id, long minute, DataKey key)
    {
        var dated = string.Create(CultureInfo.InvariantCulture, $"1-{minute + 40:x8}-{id:x24}");
        var segments = new List<ChunkSegment> { Segment(dated, minute + 40), Segment(string.Create(CultureInfo.InvariantCulture, $"1-00000001-{id:x24}"), minute + 40) };
        var indexKey = new byte[32];
        long[] hashes = [TraceIndexHasher.Hash(indexKey, dated), TraceIndexHasher.Keys(indexKey, segments[1].TraceId).Undated];
        return new StoredChunk(id, Account, ChunkCodec.CurrentFormat, minute, minute + 60, key.Reference, ChunkCodec.Seal(Account, id, key, segments), hashes);
    }

    private static ChunkSegment Segment(string traceId, double start)
    {
        var json = string.Create(CultureInfo.InvariantCulture, $$"""{"name":"svc","id":"0123456789abcdef","trace_id":"{{traceId}}","start_time":{{start:R}},"end_time":{{start + 1:R}}}""");
        return new ChunkSegment(traceId, "0123456789abcdef", false, start, start + 1, Encoding.UTF8.GetBytes(json));
    }
}
