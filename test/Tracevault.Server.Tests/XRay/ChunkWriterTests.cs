using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.XRay;

/// <summary>The pipelined chunk writer keeps its contract: a write completes only once durable, failures fail only their own writes.</summary>
public sealed class ChunkWriterTests
{
    private const string Account = "111122223333";
    private const string StoppedAccount = "444455556666";

    private readonly DefaultDataKeys _keys = new(new ServiceKey(1, new byte[32]), new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero)));

    [Fact]
    public async Task StoreAsync_CommitFails_FailsOnlyThoseWritesAndTheNextAreStored()
    {
        var store = new RecordingStore { FailNextAppend = true };
        await using var writer = new ChunkWriter(store, _keys, _keys, new TraceStoreOptions(), TimeProvider.System);

        await Assert.ThrowsAsync<IOException>(() => writer.StoreAsync(Account, Segments("a", 3), CancellationToken.None));
        var outcome = await writer.StoreAsync(Account, Segments("b", 3), CancellationToken.None);

        Assert.True(outcome.IsStored);
        Assert.Equal(["b-0", "b-1", "b-2"], store.DurableSegmentIds(_keys).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task StoreAsync_KeyUnusable_ReturnsStoppedAndStoresNothingOfThatAccount()
    {
        var store = new RecordingStore();
        await using var writer = new ChunkWriter(store, new StoppingKeys(_keys), _keys, new TraceStoreOptions(), TimeProvider.System);

        var stopped = writer.StoreAsync(StoppedAccount, Segments("s", 2), CancellationToken.None);
        var stored = writer.StoreAsync(Account, Segments("k", 2), CancellationToken.None);

        Assert.False((await stopped).IsStored);
        Assert.Equal("arn:aws:kms:us-east-1:444455556666:key/gone", (await stopped).Stopped!.KeyArn);
        Assert.True((await stored).IsStored);
        Assert.All(store.Chunks, chunk => Assert.Equal(Account, chunk.AccountId));
    }

    [Fact]
    public async Task StoreAsync_ManyWritesQueuedBehindACommit_EachCompletesOnlyOnceItsSegmentsAreDurable()
    {
        var store = new RecordingStore();
        store.Gate.Reset();
        await using var writer = new ChunkWriter(store, _keys, _keys, new TraceStoreOptions(), TimeProvider.System);

        var first = writer.StoreAsync(Account, Segments("first", 1), CancellationToken.None);
        store.Entered.Wait();

        // Enough queued behind the blocked commit for the builder to seal ahead of it.
        var writes = Enumerable.Range(0, 100).Select(i => (Prefix: $"w{i}", Task: writer.StoreAsync(Account, Segments($"w{i}", 20), CancellationToken.None))).ToList();
        Assert.False(first.IsCompleted);
        Assert.DoesNotContain(writes, w => w.Task.IsCompleted);

        store.Gate.Set();
        Assert.True((await first).IsStored);
        foreach (var (prefix, task) in writes)
        {
            Assert.True((await task).IsStored);
            var durable = store.DurableSegmentIds(_keys).ToHashSet(StringComparer.Ordinal);
            Assert.All(Enumerable.Range(0, 20), i => Assert.Contains($"{prefix}-{i}", durable));
        }

        Assert.Equal(1 + (100 * 20), store.DurableSegmentIds(_keys).Distinct(StringComparer.Ordinal).Count());
    }

    private static List<ChunkSegment> Segments(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => StoredSegment("1-6747a1c0-0123456789abcdef01234567", $"{prefix}-{i}", 1_764_331_200 + i, 1_764_331_201 + i))];

    /// <summary>A complete segment as ingest stores it: its facts are the document's.</summary>
    internal static ChunkSegment StoredSegment(string traceId, string id, double start, double end) =>
        new(traceId, id, false, start, end, System.Text.Encoding.UTF8.GetBytes(string.Create(
            System.Globalization.CultureInfo.InvariantCulture, $$"""{"name":"svc","id":"{{id}}","trace_id":"{{traceId}}","start_time":{{start:R}},"end_time":{{end:R}}}""")));

    /// <summary>Keeps appended chunks in memory; can fail one append, and can hold appends at a gate.</summary>
    private sealed class RecordingStore : ITraceStore
    {
        private readonly Lock _lock = new();
        private readonly List<StoredChunk> _chunks = [];

        private long _lastId;

        public bool FailNextAppend { get; set; }

        public ManualResetEventSlim Gate { get; } = new(true);

        public ManualResetEventSlim Entered { get; } = new(false);

        public IReadOnlyList<StoredChunk> Chunks
        {
            get
            {
                lock (_lock)
                {
                    return [.. _chunks];
                }
            }
        }

        public Task<IReadOnlyList<long>> NewChunkIdsAsync(int count, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<long>>([.. Enumerable.Range(0, count).Select(_ => Interlocked.Increment(ref _lastId))]);

        public Task AppendAsync(IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken)
        {
            Append(chunks);
            return Task.CompletedTask;
        }

        private void Append(IReadOnlyList<StoredChunk> chunks)
        {
            Entered.Set();
            Gate.Wait();
            if (FailNextAppend)
            {
                FailNextAppend = false;
                throw new IOException("disk full");
            }

            lock (_lock)
            {
                _chunks.AddRange(chunks);
            }
        }

        public IEnumerable<string> DurableSegmentIds(DefaultDataKeys keys) =>
            Chunks.SelectMany(chunk => ChunkCodec.Open(chunk, keys.ForSealing(chunk.AccountId))).Select(segment => segment.Id);

        public Task<IReadOnlyList<StoredChunk>> FindByTraceHashesAsync(string accountId, IReadOnlyCollection<long> traceHashes, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredChunk>>([]);

        public Task<IReadOnlyList<StoredChunk>> FindInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredChunk>>([]);

        public Task<ITraceSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task AddDictionaryAsync(StoredDictionary dictionary, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<StoredDictionary?> FindDictionaryAsync(string accountId, long id, CancellationToken cancellationToken) => Task.FromResult<StoredDictionary?>(null);

        public Task<int> DeleteOlderThanAsync(long beforeSecond, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>> DataKeyUsageAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>>([]);
    }

    /// <summary>Default keys, except that one account's KMS key is unusable.</summary>
    private sealed class StoppingKeys(DefaultDataKeys keys) : IDataKeySource
    {
        public DataKey ForSealing(string accountId) => accountId == StoppedAccount
            ? throw new StoringStoppedException($"arn:aws:kms:us-east-1:{StoppedAccount}:key/gone", "DisabledException: the key is disabled")
            : keys.ForSealing(accountId);

        public DataKey ForOpening(string accountId, string reference, Caller reader) => keys.ForOpening(accountId, reference, reader);
    }
}
