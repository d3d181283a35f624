using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>
/// The UDP listener's hand-off to the chunk writer: 2,000 segments queued one write per datagram (before) against batches of
/// 500, each with its outcome continuation, through a <see cref="ChunkWriter"/> over a store that keeps nothing (no fsync), so the
/// per-write overhead and the sealing are what is measured.
/// </summary>
[MemoryDiagnoser]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet disposes the writer in GlobalCleanup.")]
public class WriterBatchingBenchmarks
{
    private const string Account = "123456789012";

    private List<ChunkSegment> _segments = [];
    private ChunkWriter _writer = null!;
    private long _stored;

    [Params(1, 500)]
    public int SegmentsPerWrite { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _segments = BenchmarkCorpus.Segments(BenchmarkCorpus.Documents(2000));
        var keys = new DefaultDataKeys(new ServiceKey(1, RandomNumberGenerator.GetBytes(32)), TimeProvider.System);
        _writer = new ChunkWriter(new DiscardingTraceStore(), keys, keys, new TraceStoreOptions(), TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup() => _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "queue 2,000 UDP segments")]
    public async Task<long> Queue()
    {
        var outcomes = new List<Task>();
        for (var start = 0; start < _segments.Count; start += SegmentsPerWrite)
        {
            var write = SegmentsPerWrite == 1 ? [_segments[start]] : _segments.GetRange(start, SegmentsPerWrite);
            if (!_writer.TryQueue(Account, write, out var outcome))
            {
                throw new InvalidOperationException("The writer's queue is full.");
            }

            var count = write.Count;
            outcomes.Add(outcome.ContinueWith(t => Interlocked.Add(ref _stored, t.Result.IsStored ? count : 0), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));
        }

        await Task.WhenAll(outcomes).ConfigureAwait(false);
        return _stored;
    }

    private sealed class DiscardingTraceStore : ITraceStore
    {
        private long _lastId;

        public Task<IReadOnlyList<long>> NewChunkIdsAsync(int count, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<long>>([.. Enumerable.Range(0, count).Select(_ => Interlocked.Increment(ref _lastId))]);

        public Task AppendAsync(IReadOnlyList<StoredChunk> chunks, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<IReadOnlyList<StoredChunk>> FindByTraceHashesAsync(string accountId, IReadOnlyCollection<long> traceHashes, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredChunk>>([]);

        public Task<IReadOnlyList<StoredChunk>> FindInRangeAsync(string accountId, long fromSecond, long toSecond, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredChunk>>([]);

        public Task<ITraceSnapshot> OpenSnapshotAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task AddDictionaryAsync(StoredDictionary dictionary, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<StoredDictionary?> FindDictionaryAsync(string accountId, long id, CancellationToken cancellationToken) => Task.FromResult<StoredDictionary?>(null);

        public Task<int> DeleteOlderThanAsync(long beforeSecond, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>> DataKeyUsageAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<(string AccountId, string DataKeyReference, int Chunks)>>([]);
    }
}
