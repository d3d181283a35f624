using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Keys.Envelope;
using Tracevault.Server.XRay.Statistics;
using Tracevault.Storage.Sqlite;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.XRay;

/// <summary>The statistics query service answers an entity selector from the kept statistics alone, never reading a segment.</summary>
public sealed class ServiceStatisticsServiceTests : IDisposable
{
    private const string Account = "111122223333";

    // Noon, 2025-11-28 (UTC).
    private const long Noon = 1_764_331_200;

    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-statistics-").FullName;
    private readonly DefaultDataKeys _keys = new(new ServiceKey(1, new byte[32]), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Noon)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task ReadAsync_NoGroup_AnswersFromTheStatisticsAlone_WithoutReadingAChunk()
    {
        var store = new SqliteTraceStore(new SqliteDatabase(Path.Combine(_directory, SqliteDatabase.FileName)), TimeProvider.System);
        await using (var writer = new ChunkWriter(store, _keys, _keys, new TraceStoreOptions(), TimeProvider.System))
        {
            // Ten requests of "svc" in each of three minutes.
            for (var minute = 0; minute < 3; minute++)
            {
                var segments = Enumerable.Range(0, 10).Select(i => ChunkWriterTests.StoredSegment(
                    $"1-{Noon + (minute * 60):x8}-{minute:x8}{i:x16}", $"{minute:x8}{i:x8}", Noon + (minute * 60) + i, Noon + (minute * 60) + i + 0.25)).ToList();
                Assert.True((await writer.StoreAsync(Account, segments, CancellationToken.None)).IsStored);
            }
        }

        // Every chunk read fails: only the statistics rows may be read.
        var service = new ServiceStatisticsService(
            new StatisticsReader(store, _keys, NullLogger.Instance),
            new TraceReader(new UnreadableChunks(store), _keys, _keys, NullLogger.Instance));
        var page = await service.ReadAsync(Caller.ForService(Account, "xray.amazonaws.com"), new StatisticsQuery(Noon, Noon + 180, 60, Noon, Group: null, HistoryPeriods: 0), CancellationToken.None);

        var selector = EntitySelector.Parse("service(\"svc\")");
        Assert.Equal([Noon, Noon + 60, Noon + 120], page.Periods.Select(p => p.Start));
        Assert.All(page.Periods, p => Assert.Equal(10, p.Merged(selector).Total));
        Assert.All(page.Periods, p => Assert.Equal(10 * 0.25, p.Merged(selector).TotalResponseTime, 6));
        Assert.Equal(0, page.Unreadable);
        Assert.Null(page.NextPageStart);
        Assert.Empty(page.History);
    }

    /// <summary>A trace store whose chunks cannot be read at all.</summary>
    private sealed class UnreadableChunks(ITraceStore inner) : ITraceStore
    {
        public Task<IReadOnlyList<long>> NewChunkIdsAsync(int count, CancellationToken cancellationToken) => inner.NewChunkIdsAsync(count, cancellationToken);

        public Task AppendAsync(IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken) => inner.AppendAsync(chunks, cancellationToken);

        public Task<IReadOnlyList<StoredChunk>> FindByTraceHashesAsync(string accountId, IReadOnlyCollection<long> traceHashes, CancellationToken cancellationToken) => throw Read();

        public Task<IReadOnlyList<StoredChunk>> FindInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken) => throw Read();

        public Task<ITraceSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) => throw Read();

        public Task AddDictionaryAsync(StoredDictionary dictionary, CancellationToken cancellationToken) => inner.AddDictionaryAsync(dictionary, cancellationToken);

        public Task<StoredDictionary?> FindDictionaryAsync(string accountId, long id, CancellationToken cancellationToken) => throw Read();

        public Task<int> DeleteOlderThanAsync(long beforeSecond, CancellationToken cancellationToken) => inner.DeleteOlderThanAsync(beforeSecond, cancellationToken);

        public Task<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>> DataKeyUsageAsync(CancellationToken cancellationToken) => inner.DataKeyUsageAsync(cancellationToken);

        private static InvalidOperationException Read() => new("A chunk was read.");
    }
}
