using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>
/// The per-minute statistics written with chunks: stored with their chunk in its transaction, sealed under its data key (no
/// service name in the clear), read back per minute, unreadable minutes counted without failing the read, dropped with the chunk.
/// </summary>
public abstract class StatisticsStoreContract : StorageContract
{
    private const string Account = "111122223333";

    // Noon, 2025-11-28 (UTC).
    private const long Noon = 1_764_331_200;

    // Service names no other test writes: finding one in the files means it was stored in the clear.
    private const string Front = "front-7c1e9a4fd2b84c55";
    private const string Backend_ = "backend-52b8e0d17fa34c91";
    private const string Payments = "payments-e4a90c3b6d1f4728";

    private static readonly Caller Reader = Caller.ForService(Account, "xray.amazonaws.com");

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(Noon + 600));
    private readonly DefaultDataKeys _keys;
    private ITraceStore? _store;

    protected StatisticsStoreContract() => _keys = new DefaultDataKeys(new ServiceKey(1, new byte[32]), _time);

    private ITraceStore Store => _store ??= Backend.OpenTraceStore();

    private IStatisticsStore Statistics => (IStatisticsStore)Store;

    [Fact]
    public async Task StoreAsync_TracesOverThreeMinutes_StatisticsPerMinutePerServiceAndEdge_ReadBack()
    {
        await WriteAsync(minutes: 3, perMinute: 8);

        var read = await new StatisticsReader(Statistics, _keys, NullLogger.Instance).ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None);

        Assert.Equal(0, read.Unreadable);
        Assert.Equal([Noon, Noon + 60, Noon + 120], read.Minutes.Select(m => m.Minute).Distinct());
        foreach (var minute in read.Minutes.GroupBy(m => m.Minute))
        {
            var front = Merge(minute, new StatisticsEntity(new ServiceId(Front, "AWS::EC2::Instance", null), null));
            Assert.Equal((2L, 2L, 2L, 2L, 8L), (front.Ok, front.OtherErrors, front.Throttles, front.Faults, front.Total));
            Assert.Equal(8, front.Histogram.Sum());
            Assert.Equal(4, front.Histogram[ResponseTimeBuckets.IndexOf(0.1)]);
            Assert.Equal(4, front.Histogram[ResponseTimeBuckets.IndexOf(1.5)]);
            Assert.Equal(4 * 0.1 + 4 * 1.5, front.TotalResponseTime, 6);

            var backend = Merge(minute, new StatisticsEntity(new ServiceId(Backend_, "AWS::EC2::Instance", null), null));
            Assert.Equal((8L, 8L), (backend.Ok, backend.Total));
            var toBackend = Merge(minute, new StatisticsEntity(new ServiceId(Front, "AWS::EC2::Instance", null), new ServiceId(Backend_, "AWS::EC2::Instance", null)));
            Assert.Equal((8L, 8L), (toBackend.Ok, toBackend.Total));
            var toPayments = Merge(minute, new StatisticsEntity(new ServiceId(Front, "AWS::EC2::Instance", null), new ServiceId(Payments, "remote", null)));
            Assert.Equal((4L, 4L, 8L), (toPayments.Ok, toPayments.Faults, toPayments.Total));
        }

        Assert.Empty((await new StatisticsReader(Statistics, _keys, NullLogger.Instance).ReadAsync(Account, Noon + 180, Noon + 600, Reader, CancellationToken.None)).Minutes);
        Assert.Empty((await new StatisticsReader(Statistics, _keys, NullLogger.Instance).ReadAsync("444455556666", Noon, Noon + 180, Reader, CancellationToken.None)).Minutes);
    }

    [Fact]
    public async Task StoreAsync_StatisticsAreSealed_NoServiceNameInTheStoresFiles()
    {
        await WriteAsync(minutes: 2, perMinute: 4);

        Assert.NotEmpty(await Statistics.FindStatisticsAsync(Account, Noon, Noon + 120, CancellationToken.None));
        foreach (var name in new[] { Front, Backend_, Payments })
        {
            Assert.False(Backend.TablesHold(Encoding.UTF8.GetBytes(name)), name + " is in the store's files in the clear");
        }
    }

    [Fact]
    public async Task Read_KeyTheReaderCannotUse_CountsTheMinutesUnreadable_WithoutFailing()
    {
        await WriteAsync(minutes: 2, perMinute: 4);
        var stored = await Statistics.FindStatisticsAsync(Account, Noon, Noon + 120, CancellationToken.None);

        var read = await new StatisticsReader(Statistics, new DenyingKeys(_keys), NullLogger.Instance).ReadAsync(Account, Noon, Noon + 120, Reader, CancellationToken.None);

        Assert.Empty(read.Minutes);
        Assert.Equal(stored.Count, read.Unreadable);
        Assert.True(read.Unreadable >= 2);
    }

    [Fact]
    public async Task Open_AMinuteNamedAsAnotherChunksOrMinute_DoesNotOpen()
    {
        await WriteAsync(minutes: 1, perMinute: 4);
        var row = Assert.Single(await Statistics.FindStatisticsAsync(Account, Noon, Noon + 60, CancellationToken.None));

        // The seal binds the account, chunk, minute and key: the same bytes named as another chunk's do not open.
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => StatisticsCodec.Open(row with { ChunkId = row.ChunkId + 1 }, _keys.ForOpening(Account, row.DataKeyReference, Reader)));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => StatisticsCodec.Open(row with { Minute = row.Minute + 60 }, _keys.ForOpening(Account, row.DataKeyReference, Reader)));
        Assert.NotEmpty(StatisticsCodec.Open(row, _keys.ForOpening(Account, row.DataKeyReference, Reader)).Entities);
    }

    [Fact]
    public async Task Append_ABatchThatFailsPartWay_StoresNoStatisticsEither()
    {
        var key = _keys.ForSealing(Account);
        var id = (await Store.NewChunkIdsAsync(1, CancellationToken.None))[0];
        var minute = new MinuteStatistics(Noon);
        minute.For(new StatisticsEntity(new ServiceId(Front, null, null), null));
        var first = new StoredChunk(id, Account, ChunkCodec.CurrentFormat, Noon, Noon + 60, key.Reference, ChunkCodec.Seal(Account, id, key, Segments(Noon, 0, 1)), [])
        {
            Statistics = [StatisticsCodec.Seal(Account, id, key, minute)],
        };

        // The same chunk again with another minute's statistics: the chunk is refused, and with it the whole batch, every minute
        // of statistics included.
        var later = new MinuteStatistics(Noon + 60);
        later.For(new StatisticsEntity(new ServiceId(Front, null, null), null));
        var again = first with { Statistics = [StatisticsCodec.Seal(Account, id, key, later)] };
        await Assert.ThrowsAnyAsync<Exception>(() => Store.AppendAsync([first, again], CancellationToken.None));

        Assert.Empty(await Statistics.FindStatisticsAsync(Account, 0, long.MaxValue, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteOlderThan_DropsTheStatisticsWithTheirChunks_AndKeepsTheRest()
    {
        await WriteAsync(minutes: 1, perMinute: 4);
        await WriteAsync(minutes: 1, perMinute: 4, from: Noon + 7_200);
        Assert.Equal(2, (await Statistics.FindStatisticsAsync(Account, 0, long.MaxValue, CancellationToken.None)).Count);

        await Store.DeleteOlderThanAsync(Noon + 3_600, CancellationToken.None);

        var left = Assert.Single(await Statistics.FindStatisticsAsync(Account, 0, long.MaxValue, CancellationToken.None));
        Assert.Equal(Noon + 7_200, left.Minute);
        var chunk = Assert.Single(await Store.FindInRangeAsync(Account, 0, long.MaxValue, CancellationToken.None));
        Assert.Equal(chunk.Id, left.ChunkId);
    }

    [Fact]
    public async Task Read_Again_LoadsOnlyTheRowsWrittenSince_AndCountsEveryRow()
    {
        await WriteAsync(minutes: 3, perMinute: 8);
        var counting = new BodyCountingStatistics(Statistics);
        var reader = new StatisticsReader(counting, _keys, NullLogger.Instance);
        var front = new StatisticsEntity(new ServiceId(Front, "AWS::EC2::Instance", null), null);

        var first = await reader.ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None);
        var rows = counting.Bodies;
        var again = await reader.ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None);
        var loadedAgain = counting.Bodies - rows;
        await WriteAsync(minutes: 1, perMinute: 4, salt: 9);
        var after = await reader.ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None);

        Assert.True(rows >= 3);
        Assert.Equal(0, loadedAgain);
        Assert.Equal(1, counting.Bodies - rows);
        Assert.Equal(24, Merge(first.Minutes, front).Total);
        Assert.Equal(24, Merge(again.Minutes, front).Total);
        Assert.Equal(28, Merge(after.Minutes, front).Total);
        Assert.Equal(12, Merge(after.Minutes.Where(m => m.Minute == Noon), front).Total);
        Assert.Equal(0, after.Unreadable);
    }

    [Fact]
    public async Task Read_Again_ListsOnlyTheMinutesWhoseRowsChanged()
    {
        await WriteAsync(minutes: 3, perMinute: 8);
        var counting = new BodyCountingStatistics(Statistics);
        var reader = new StatisticsReader(counting, _keys, NullLogger.Instance);
        var front = new StatisticsEntity(new ServiceId(Front, "AWS::EC2::Instance", null), null);

        await reader.ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None);
        var listed = counting.Rows;
        var again = await reader.ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None);
        var listedAgain = counting.Rows - listed;
        await WriteAsync(minutes: 1, perMinute: 4, from: Noon + 120, salt: 9);
        var after = await reader.ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None);
        var listedAfter = counting.Rows - listed - listedAgain;

        // Listed again only where rows were added (the last minute: its two rows now).
        Assert.Equal(3, listed);
        Assert.Equal(0, listedAgain);
        Assert.Equal(2, listedAfter);
        Assert.Equal(24, Merge(again.Minutes, front).Total);
        Assert.Equal(28, Merge(after.Minutes, front).Total);
        Assert.Equal(12, Merge(after.Minutes.Where(m => m.Minute == Noon + 120), front).Total);
    }

    [Fact]
    public async Task Read_Again_RowsAddedAroundAnUnchangedMinute_EachRowCountedOnce()
    {
        await WriteAsync(minutes: 3, perMinute: 8);
        var keys = new SwitchableKeys(_keys);
        var reader = new StatisticsReader(Statistics, keys, NullLogger.Instance);
        Assert.Equal(3, (await reader.ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None)).Minutes.Count);

        // The first and the last minute change; the middle one is listed again with them.
        await WriteAsync(minutes: 1, perMinute: 4, from: Noon, salt: 7);
        await WriteAsync(minutes: 1, perMinute: 4, from: Noon + 120, salt: 8);
        keys.Refuse = true;
        var refused = await reader.ReadAsync(Account, Noon, Noon + 180, Reader, CancellationToken.None);

        Assert.Empty(refused.Minutes);
        Assert.Equal(5, refused.Unreadable);
    }

    [Fact]
    public async Task Read_Again_SeesARowAddedByAnotherOpeningWhileRetentionDeletedOne_ThoughTheCountAndGreatestIdAreAsBefore()
    {
        // Two openings, as two nodes: on PostgreSQL each takes its own block of chunk ids, so the first one's ids stay the lower.
        var first = Store;
        var second = Backend.OpenTraceStore();
        await WriteAsync(first, Segments(Noon, salt: 1, count: 4));
        // Rows that retention keeps: their chunks also hold a segment two hours later.
        await WriteAsync(second, [.. Segments(Noon, salt: 2, count: 8), .. Segments(Noon + 7_200, salt: 3, count: 1)]);
        var reader = new StatisticsReader(Statistics, _keys, NullLogger.Instance);
        var front = new StatisticsEntity(new ServiceId(Front, "AWS::EC2::Instance", null), null);
        var before = await reader.ReadAsync(Account, Noon, Noon + 60, Reader, CancellationToken.None);
        var marksBefore = await Statistics.FindStatisticsMarksAsync(Account, Noon, Noon + 60, CancellationToken.None);

        // The first opening adds a row to the minute (an id below the second's there) while retention deletes its older one.
        await WriteAsync(first, [.. Segments(Noon, salt: 4, count: 2), .. Segments(Noon + 7_200, salt: 5, count: 1)]);
        Assert.Equal(1, await Store.DeleteOlderThanAsync(Noon + 3_600, CancellationToken.None));
        var after = await reader.ReadAsync(Account, Noon, Noon + 60, Reader, CancellationToken.None);
        var marksAfter = await Statistics.FindStatisticsMarksAsync(Account, Noon, Noon + 60, CancellationToken.None);

        Assert.Equal(12, Merge(before.Minutes, front).Total);
        Assert.Equal(10, Merge(after.Minutes, front).Total);
        Assert.Equal(2, Assert.Single(marksBefore).Rows);
        Assert.Equal(2, Assert.Single(marksAfter).Rows);
        Assert.NotEqual(marksBefore[0], marksAfter[0]);
    }

    [Fact]
    public async Task Read_AfterRetentionDeletedAChunkOfAnOpenedMinute_LeavesItOut()
    {
        await WriteAsync(minutes: 1, perMinute: 4);
        await WriteAsync(minutes: 1, perMinute: 4, from: Noon + 7_200);
        var reader = new StatisticsReader(Statistics, _keys, NullLogger.Instance);
        Assert.Equal([Noon, Noon + 7_200], (await reader.ReadAsync(Account, 0, long.MaxValue, Reader, CancellationToken.None)).Minutes.Select(m => m.Minute));

        await Store.DeleteOlderThanAsync(Noon + 3_600, CancellationToken.None);

        Assert.Equal([Noon + 7_200], (await reader.ReadAsync(Account, 0, long.MaxValue, Reader, CancellationToken.None)).Minutes.Select(m => m.Minute));
    }

    [Fact]
    public async Task Read_KeyRefusedAfterAnEarlierRead_AnswersNothingItSealed()
    {
        await WriteAsync(minutes: 2, perMinute: 4);
        var keys = new SwitchableKeys(_keys);
        var reader = new StatisticsReader(Statistics, keys, NullLogger.Instance);
        Assert.Equal(2, (await reader.ReadAsync(Account, Noon, Noon + 120, Reader, CancellationToken.None)).Minutes.Count);

        keys.Refuse = true;
        var refused = await reader.ReadAsync(Account, Noon, Noon + 120, Reader, CancellationToken.None);
        keys.Refuse = false;
        var allowed = await reader.ReadAsync(Account, Noon, Noon + 120, Reader, CancellationToken.None);

        Assert.Empty(refused.Minutes);
        Assert.Equal(2, refused.Unreadable);
        Assert.Equal(2, allowed.Minutes.Count);
        Assert.Equal(0, allowed.Unreadable);
    }

    private static StatisticsTally Merge(IEnumerable<MinuteStatistics> minutes, StatisticsEntity entity)
    {
        var merged = new StatisticsTally();
        foreach (var minute in minutes)
        {
            if (minute.Entities.TryGetValue(entity, out var tally))
            {
                merged.Merge(tally);
            }
        }

        return merged;
    }

    private async Task WriteAsync(ITraceStore store, List<ChunkSegment> segments)
    {
        await using var writer = new ChunkWriter(store, _keys, _keys, new TraceStoreOptions(), _time);
        Assert.True((await writer.StoreAsync(Account, segments, CancellationToken.None)).IsStored);
    }

    private async Task WriteAsync(int minutes, int perMinute, long from = Noon, int salt = 0)
    {
        await using var writer = new ChunkWriter(Store, _keys, _keys, new TraceStoreOptions(), _time);
        for (var m = 0; m < minutes; m++)
        {
            var outcome = await writer.StoreAsync(Account, Segments(from + (m * 60), salt + m, perMinute), CancellationToken.None);
            Assert.True(outcome.IsStored);
        }
    }

    /// <summary>
    /// Traces starting in one minute: the front service answers ok, 4xx, 429 and 5xx in turn (0.1 s, then 1.5 s), calls the
    /// instrumented backend (ok) and an uninstrumented payments host (ok, then a fault).
    /// </summary>
    internal static List<ChunkSegment> Segments(long minute, int salt, int count)
    {
        var segments = new List<ChunkSegment>();
        for (var i = 0; i < count; i++)
        {
            var start = minute + 1 + (i * 0.5);
            var traceId = string.Create(CultureInfo.InvariantCulture, $"1-{(long)start:x8}-{salt:x8}{i:x16}");
            var frontId = string.Create(CultureInfo.InvariantCulture, $"{salt:x4}{i:x4}00000001");
            var callId = string.Create(CultureInfo.InvariantCulture, $"{salt:x4}{i:x4}00000002");
            var paymentsId = string.Create(CultureInfo.InvariantCulture, $"{salt:x4}{i:x4}00000003");
            var backendId = string.Create(CultureInfo.InvariantCulture, $"{salt:x4}{i:x4}00000004");
            var duration = i % 2 == 0 ? 0.1 : 1.5;
            var outcome = (i % 4) switch
            {
                0 => string.Empty,
                1 => ",\"error\":true",
                2 => ",\"error\":true,\"throttle\":true",
                _ => ",\"fault\":true",
            };
            var paymentsOutcome = i % 2 == 0 ? string.Empty : ",\"fault\":true";
            var front = string.Create(CultureInfo.InvariantCulture, $$"""
                {"name":"{{Front}}","id":"{{frontId}}","trace_id":"{{traceId}}","start_time":{{start:R}},"end_time":{{start + duration:R}},"origin":"AWS::EC2::Instance"{{outcome}},
                 "subsegments":[
                   {"name":"backend.internal","id":"{{callId}}","namespace":"remote","start_time":{{start + 0.01:R}},"end_time":{{start + 0.05:R}}},
                   {"name":"{{Payments}}","id":"{{paymentsId}}","namespace":"remote","start_time":{{start + 0.05:R}},"end_time":{{start + 0.08:R}}{{paymentsOutcome}}}]}
                """);
            var backend = string.Create(CultureInfo.InvariantCulture, $$"""
                {"name":"{{Backend_}}","id":"{{backendId}}","trace_id":"{{traceId}}","parent_id":"{{callId}}","start_time":{{start + 0.02:R}},"end_time":{{start + 0.04:R}},"origin":"AWS::EC2::Instance"}
                """);
            segments.Add(new ChunkSegment(traceId, frontId, false, start, start + duration, Encoding.UTF8.GetBytes(front)));
            segments.Add(new ChunkSegment(traceId, backendId, false, start + 0.02, start + 0.04, Encoding.UTF8.GetBytes(backend)));
        }

        return segments;
    }

    /// <summary>The store, counting the sealed bodies and the rows it hands out.</summary>
    private sealed class BodyCountingStatistics(IStatisticsStore inner) : IStatisticsStore
    {
        public int Bodies { get; private set; }

        public int Rows { get; private set; }

        public Task<IReadOnlyList<StatisticsMinuteMark>> FindStatisticsMarksAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken) =>
            inner.FindStatisticsMarksAsync(accountId, fromMinute, toMinute, cancellationToken);

        public Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken) =>
            FindStatisticsAsync(accountId, fromMinute, toMinute, (_, _) => true, cancellationToken);

        public async Task<IReadOnlyList<StoredStatistics>> FindStatisticsAsync(string accountId, long fromMinute, long toMinute, Func<long, long, bool> withBody, CancellationToken cancellationToken)
        {
            var found = await inner.FindStatisticsAsync(accountId, fromMinute, toMinute, withBody, cancellationToken);
            Bodies += found.Count(s => s.SealedBody.Length > 0);
            Rows += found.Count;
            return found;
        }
    }

    /// <summary>The real keys, or a refusal as for a disabled key, as the test says.</summary>
    private sealed class SwitchableKeys(IDataKeySource inner) : IDataKeySource
    {
        public bool Refuse { get; set; }

        public DataKey ForSealing(string accountId) => inner.ForSealing(accountId);

        public DataKey ForOpening(string accountId, string reference, Caller reader) => Refuse
            ? throw new DataKeyAccessException("arn:aws:kms:us-east-1:111122223333:key/disabled", "The key is disabled.", accessDenied: false)
            : inner.ForOpening(accountId, reference, reader);
    }

    private sealed class DenyingKeys(IDataKeySource inner) : IDataKeySource
    {
        public DataKey ForSealing(string accountId) => inner.ForSealing(accountId);

        public DataKey ForOpening(string accountId, string reference, Caller reader) =>
            throw new DataKeyAccessException("arn:aws:kms:us-east-1:111122223333:key/denied", "Denied for the test.", accessDenied: true);
    }
}
