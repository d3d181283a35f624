using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;
using Tracevault.Server.Tests.XRay;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>The newest-first read over a store: which frames it opens, and when.</summary>
public abstract class TraceReaderContract : StorageContract
{
    private const string Account = "111122223333";

    // A minute's first second.
    private const long Minute = 1_764_331_200;

    private readonly DefaultDataKeys _keys = new(new ServiceKey(1, new byte[32]), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Minute)));
    private ITraceStore? _store;

    private ITraceStore Store => _store ??= Backend.OpenTraceStore();

    [Fact]
    public async Task ReadNewestFirst_ChunksOfOneMinute_OpensOnlyTheFramesOfTheSecondsItHasReachedAndSkipsADamagedOne()
    {
        // Sixty traces a second apart, all in one minute, in three chunks of twenty traces of 15 KB each: every chunk ends in the
        // same minute and holds several frames. The frame of the oldest seconds is damaged: a read that opened every chunk of the
        // newest minute at once would meet it at its first step; one that opens only the frames of the seconds it completes reads
        // every newer trace first, and meets the damage only when it reaches those seconds. It then skips that frame, names it,
        // and goes on with every older trace the other frames hold.
        var key = _keys.ForSealing(Account);
        var chunks = Enumerable.Range(0, 3).Select(c =>
        {
            var segments = Enumerable.Range(c * 20, 20).Select(i => Segment(i)).ToList();
            return new StoredChunk(c + 1, Account, ChunkCodec.CurrentFormat, Minute, Minute + 60, key.Reference, ChunkCodec.Seal(Account, c + 1, key, segments), []);
        }).ToList();
        var directory = ChunkCodec.OpenDirectory(chunks[0], key);
        Assert.True(directory.Frames.Count >= 3, $"the test needs several frames a chunk, got {directory.Frames.Count}");
        var damaged = directory.Frames[0];
        chunks[0].SealedBody[damaged.Offset + (damaged.Length / 2)] ^= 1;
        await Store.AppendAsync(chunks, CancellationToken.None);

        var read = new List<List<string>>();
        var damage = new ReadDamage();
        var reader = new TraceReader(Store, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await foreach (var batch in await reader.ReadNewestFirstAsync(Account, Minute, Minute + 60, Caller.ForService(Account, "xray.amazonaws.com"), damage, CancellationToken.None))
        {
            Assert.All(batch, trace => Assert.Single(trace.Segments));
            if (batch.All(trace => trace.Date > damaged.LastSecond))
            {
                Assert.True(damage.IsEmpty, "the damaged frame was opened before the seconds it holds were reached");
            }

            read.Add([.. batch.Select(trace => trace.TraceId)]);
        }

        // Every trace but the damaged frame's came back, once, each batch older than the one before; the damage is named.
        var lost = Enumerable.Range(0, 60).Where(i => Minute + i >= damaged.FirstSecond && Minute + i <= damaged.LastSecond).ToList();
        Assert.NotEmpty(lost);
        Assert.Equal(Enumerable.Range(0, 60).Except(lost).Select(TraceId).Order(StringComparer.Ordinal), read.SelectMany(batch => batch).Order(StringComparer.Ordinal));
        Assert.All(read.Zip(read.Skip(1)), pair => Assert.True(string.CompareOrdinal(pair.First.Min(StringComparer.Ordinal), pair.Second.Max(StringComparer.Ordinal)) > 0));
        var chunk = Assert.Single(damage.Chunks);
        Assert.Equal(1, chunk.ChunkId);
        Assert.Equal([0], chunk.DamagedFrames);
        Assert.Equal([TraceId(lost[0])], chunk.DamagedFrameFirstTraceIds);

        // A range read and a read by id give the same: what opens, and the lost traces named, not a failure.
        var range = new ReadDamage();
        Assert.Equal(60 - lost.Count, (await reader.ReadRangeAsync(Account, Minute, Minute + 60, Caller.ForService(Account, "xray.amazonaws.com"), range, CancellationToken.None)).Count);
        Assert.Equal(1, Assert.Single(range.Chunks).ChunkId);
    }

    [Fact]
    public async Task Reads_AChunkUnderAKeyThatCannotBeUsed_LeaveItsTracesOutCountedByKey_AndGiveTheOthers()
    {
        // Traces 0-4 in a chunk whose key opens; traces 5-7 and a second part of trace 2 in one sealed under a service-key version
        // this store does not hold (as a disabled KMS key, it decrypts for no one). What opens comes back; what does not is
        // counted under its key, and trace 2 is not given in part. Only a read that finds nothing it can open is refused.
        var key = _keys.ForSealing(Account);
        var indexKey = _keys.ForSearching(Account)[0];
        const string Unusable = "default/9/20251128";
        var caller = Caller.ForService(Account, "xray.amazonaws.com");
        List<long> Hashes(IEnumerable<int> traces) => [.. traces.Select(i => TraceIndexHasher.Keys(indexKey, TraceId(i)).Dated)];
        List<ChunkSegment> unopenable = [.. Enumerable.Range(5, 3).Select(i => Segment(i, padding: 10)), Segment(2, '1', 10)];
        await Store.AppendAsync(
        [
            new StoredChunk(1, Account, ChunkCodec.CurrentFormat, Minute, Minute + 60, key.Reference, ChunkCodec.Seal(Account, 1, key, [.. Enumerable.Range(0, 5).Select(i => Segment(i, padding: 10))]), Hashes(Enumerable.Range(0, 5))),
            new StoredChunk(2, Account, ChunkCodec.CurrentFormat, Minute, Minute + 60, Unusable, ChunkCodec.Seal(Account, 2, key, unopenable), Hashes([5, 6, 7, 2])),
        ], CancellationToken.None);
        var reader = new TraceReader(Store, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var newest = new ReadDamage();
        var read = new List<string>();
        await foreach (var batch in await reader.ReadNewestFirstAsync(Account, Minute, Minute + 60, caller, newest, CancellationToken.None))
        {
            read.AddRange(batch.Select(t => t.TraceId));
        }

        // A range read cannot know which traces the unopened chunk shares with an opened one: trace 2's readable part comes back.
        Assert.Equal(Enumerable.Range(0, 5).Select(TraceId), read.Order(StringComparer.Ordinal));
        var unreadable = Assert.Single(newest.UnreadableKeys);
        Assert.Equal(("(default encryption)", false, 4), (unreadable.KeyArn, unreadable.AccessDenied, unreadable.Traces));
        Assert.Contains("version 9", unreadable.Reason, StringComparison.Ordinal);

        var range = new ReadDamage();
        Assert.Equal(Enumerable.Range(0, 5).Select(TraceId), (await reader.ReadRangeAsync(Account, Minute, Minute + 60, caller, range, CancellationToken.None)).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(4, range.UnreadableTraces);

        // By id, the read knows which traces the unopened chunk holds: trace 2 is left out whole, and named.
        var byId = new ReadDamage();
        var found = await reader.ReadTracesAsync(Account, [TraceId(1), TraceId(2), TraceId(6)], caller, byId, CancellationToken.None);
        Assert.Equal([TraceId(1)], found.Keys);
        Assert.Equal([TraceId(2), TraceId(6)], byId.UnreadableTraceIds);
        Assert.Equal(2, byId.UnreadableTraces);

        // Nothing found can be opened: refused, naming the key.
        var refused = await Assert.ThrowsAsync<DataKeyAccessException>(() => reader.ReadTracesAsync(Account, [TraceId(6)], caller, new ReadDamage(), CancellationToken.None));
        Assert.Equal("(default encryption)", refused.KeyArn);
    }

    [Fact]
    public async Task ReadNewestFirst_ChunksOfEveryFormat_GivesEachTraceWholeAndOnceNewestFirst()
    {
        // A store written by every version: format 1 and 2 chunks say nothing of their frames' seconds (each frame may hold any of
        // the chunk's), format 4 chunks do. Twenty traces a second apart, each in two of the three chunks but the newest five.
        var key = _keys.ForSealing(Account);
        List<ChunkSegment> Part(char part, int from, int count) => [.. Enumerable.Range(from, count).Select(i => Segment(i, part, 100))];
        var format1 = Part('a', 0, 10);
        var format2 = Part('b', 5, 10);
        var format4 = Part('c', 10, 10).Concat(Part('d', 0, 5)).ToList();
        await Store.AppendAsync(
        [
            new StoredChunk(1, Account, 1, Minute, Minute + 60, key.Reference, LegacyChunkBodies.Format1(Account, 1, key, format1), []),
            new StoredChunk(2, Account, 2, Minute, Minute + 60, key.Reference, LegacyChunkBodies.Format2(Account, 2, key, format2), []),
            new StoredChunk(3, Account, ChunkCodec.CurrentFormat, Minute, Minute + 60, key.Reference, ChunkCodec.Seal(Account, 3, key, format4), []),
        ], CancellationToken.None);

        var batches = await BatchesAsync(new TraceReader(Store, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ReadNewestFirstAsync(Account, Minute, Minute + 60, Caller.ForService(Account, "xray.amazonaws.com"), CancellationToken.None));

        var expected = format1.Concat(format2).Concat(format4).GroupBy(s => s.TraceId).ToDictionary(g => g.Key, g => g.Select(s => s.Id).Order(StringComparer.Ordinal).ToList());
        var read = batches.SelectMany(batch => batch).ToList();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), read.Select(trace => trace.TraceId).Order(StringComparer.Ordinal));
        Assert.All(read, trace => Assert.Equal(expected[trace.TraceId], trace.Segments.Select(s => s.Id).Order(StringComparer.Ordinal)));
        Assert.All(batches.Zip(batches.Skip(1)), pair => Assert.True(string.CompareOrdinal(pair.First.Min(t => t.TraceId), pair.Second.Max(t => t.TraceId)) > 0));
    }

    [Fact]
    public async Task ReadNewestFirst_W3CIdsWhoseSecondsAreRandom_DatesTracesByTheirSpansInEveryChunkThatHoldsThem()
    {
        // Two traces with W3C ids whose "seconds" say 2001 and 2090, and one X-Ray trace, each in two chunks: a child that starts
        // at second 40 stored first, then its root that started at second 10. Chunks and frames are dated by the spans, so the
        // minute's read finds the W3C traces whole, once, dated in second 10, and retention of the minute removes them.
        var w3c = new[] { "1-3aa19b6b-0123456789abcdef01234567", "1-ef4cc7c5-0123456789abcdef01234567" };
        var xray = TraceId(10);
        await using (var writer = new ChunkWriter(Store, _keys, _keys, new TraceStoreOptions(), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Minute + 50))))
        {
            foreach (var (part, second) in new[] { ('a', 40), ('b', 10) })
            {
                var outcome = await writer.StoreAsync(Account, [.. w3c.Append(xray).Select(id => Segment(id, part, Minute + second))], CancellationToken.None);
                Assert.Equal(StoreOutcome.Stored, outcome);
            }
        }

        var caller = Caller.ForService(Account, "xray.amazonaws.com");
        var reader = new TraceReader(Store, _keys, _keys, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var read = (await BatchesAsync(reader.ReadNewestFirstAsync(Account, Minute, Minute + 60, caller, CancellationToken.None))).SelectMany(batch => batch).ToList();
        Assert.Equal(w3c.Append(xray).Order(StringComparer.Ordinal), read.Select(t => t.TraceId).Order(StringComparer.Ordinal));
        Assert.All(read, t => Assert.Equal(["a", "b"], t.Segments.Select(s => s.Id[..1]).Order(StringComparer.Ordinal)));
        Assert.All(read, t => Assert.Equal(Minute + 10, t.Date));
        Assert.Equal(TraceDates.Of(xray, Minute + 10), TraceIds.EpochSeconds(xray));
        Assert.Equal(3, (await reader.ReadTracesAsync(Account, [.. w3c, xray], caller, CancellationToken.None)).Count(t => t.Value.Count == 2));
        Assert.Empty((await BatchesAsync(reader.ReadNewestFirstAsync(Account, 0, Minute - 3600, caller, CancellationToken.None))).SelectMany(batch => batch));
        Assert.Empty((await BatchesAsync(reader.ReadNewestFirstAsync(Account, Minute + 3600, long.MaxValue, caller, CancellationToken.None))).SelectMany(batch => batch));

        Assert.Equal(2, await Store.DeleteOlderThanAsync(Minute + 3600, CancellationToken.None));
        Assert.Empty(await reader.ReadTracesAsync(Account, [.. w3c, xray], caller, CancellationToken.None));
    }

    /// <summary>A small complete segment of a trace, its id starting with <paramref name="part"/>, started in <paramref name="start"/>.</summary>
    private static ChunkSegment Segment(string traceId, char part, double start)
    {
        var id = part + traceId[^15..];
        var json = $$"""{"name":"svc","id":"{{id}}","trace_id":"{{traceId}}","start_time":{{start.ToString("R", CultureInfo.InvariantCulture)}},"end_time":{{(start + 1).ToString("R", CultureInfo.InvariantCulture)}}}""";
        return new ChunkSegment(traceId, id, false, start, start + 1, Encoding.UTF8.GetBytes(json));
    }

    private static string TraceId(int i) => string.Create(CultureInfo.InvariantCulture, $"1-{Minute + i:x8}-{i:x24}");

    /// <summary>Segment <paramref name="part"/> (a hex digit) of trace <paramref name="i"/>, a second after the minute's start per trace, with a padding of that many bytes.</summary>
    private static ChunkSegment Segment(int i, char part = '0', int padding = 15_000)
    {
        double start = Minute + i;
        var id = string.Create(CultureInfo.InvariantCulture, $"{part}{i:x15}");
        var json = string.Create(CultureInfo.InvariantCulture, $$$$"""
            {"name":"checkout","id":"{{{{id}}}}","trace_id":"{{{{TraceId(i)}}}}","start_time":{{{{start:R}}}},"end_time":{{{{start + 0.5:R}}}},"metadata":{"default":{"padding":"{{{{Convert.ToHexString(SHA256.HashData(BitConverter.GetBytes(i)))}}}}{{{{new string('x', padding)}}}}"}}}
            """);
        return new ChunkSegment(TraceId(i), id, false, start, start + 0.5, Encoding.UTF8.GetBytes(json));
    }
}
