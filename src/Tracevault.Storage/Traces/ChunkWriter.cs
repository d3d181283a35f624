using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>The one writer of trace data: gathers segment writes from every caller, seals them into chunks and commits them together.</summary>
/// <remarks>
/// Group commit, pipelined: a builder gathers the writes that queued up, seals them into chunks and hands them over; a committer
/// appends each hand-off in one durable transaction, strictly in order. While one transaction is being made durable the builder
/// gathers everything that arrives, and seals it as soon as the committer is free — or at once, overlapping the commit, when
/// enough has queued (a backlog) — so the cost of a durable commit is shared by every request waiting on it, small loads are not
/// split into extra transactions, and under load sealing costs no wall-clock time of its own. A write completes only once its
/// segments are durable, and a failure fails only the writes it concerns. Thread-safe.
/// </remarks>
public sealed class ChunkWriter : IAsyncDisposable
{
    private readonly ITraceStore _store;
    private readonly IDataKeySource _dataKeys;
    private readonly ITraceIndexKeys _indexKeys;
    private readonly TraceStoreOptions _options;
    private readonly ChunkCipher _cipher;
    private readonly DictionaryTrainer _dictionaries;
    private readonly TimeProvider _time;
    private readonly Channel<PendingWrite> _queue;

    /// <summary>
    /// While a commit runs, the builder seals the next batch ahead only once this many segments wait: four requests of 50, so the
    /// requests of the clients answered first overlap the commit of the rest (at a daemon's 8 requests in flight, 1.05–1.12× the
    /// rate of 1,000, which let them wait for it; 50 was no faster than 200).
    /// </summary>
    private const int SealAheadSegments = 200;

    // One sealed batch may wait while another commits.
    private readonly Channel<SealedBatch> _sealed = Channel.CreateBounded<SealedBatch>(new BoundedChannelOptions(1)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Task _builder;
    private long _queuedSegments;

    // Sealed batches handed to the committer and not yet committed, and the signal that a commit ended.
    private int _uncommitted;
    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _committer;

    /// <summary>Starts the writer; <paramref name="logger"/> hears of what it works around (a compression dictionary it could not train).</summary>
    public ChunkWriter(ITraceStore store, IDataKeySource dataKeys, ITraceIndexKeys indexKeys, TraceStoreOptions options, TimeProvider time, ILogger? logger = null)
        : this(store, dataKeys, indexKeys, options, time, AeadSealer.Seal, logger)
    {
    }

    /// <summary>Starts the writer with the cipher given; only the benchmarks pass another than AES-256-GCM.</summary>
    internal ChunkWriter(ITraceStore store, IDataKeySource dataKeys, ITraceIndexKeys indexKeys, TraceStoreOptions options, TimeProvider time, ChunkCipher cipher, ILogger? logger = null)
    {
        _cipher = cipher;
        _dictionaries = new DictionaryTrainer(store, time, logger ?? NullLogger.Instance);
        _time = time;
        _store = store;
        _dataKeys = dataKeys;
        _indexKeys = indexKeys;
        _options = options;
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(options.MaxPendingWrites)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _builder = Task.Run(BuildAsync);
        _committer = Task.Run(CommitAsync);
    }

    /// <summary>Stores segments of an account; completes once they are durable, or with the reason storing stopped.</summary>
    public async Task<StoreOutcome> StoreAsync(string accountId, IReadOnlyList<ChunkSegment> segments, CancellationToken cancellationToken)
    {
        if (segments.Count == 0)
        {
            return StoreOutcome.Stored;
        }

        var write = new PendingWrite(accountId, segments);
        await _queue.Writer.WriteAsync(write, cancellationToken).ConfigureAwait(false);
        Interlocked.Add(ref _queuedSegments, segments.Count);
        return await write.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Queues segments without waiting (for UDP, which has no one to answer); false when the queue is full.</summary>
    /// <remarks>Full means <see cref="TraceStoreOptions.MaxPendingWrites"/> writes, or as many segments, already wait, so batching
    /// segments into fewer writes does not let more of them pile up in memory.</remarks>
    public bool TryQueue(string accountId, IReadOnlyList<ChunkSegment> segments, out Task<StoreOutcome> outcome)
    {
        var write = new PendingWrite(accountId, segments);
        outcome = write.Completion.Task;
        if (Interlocked.Read(ref _queuedSegments) + segments.Count > _options.MaxPendingWrites || !_queue.Writer.TryWrite(write))
        {
            return false;
        }

        Interlocked.Add(ref _queuedSegments, segments.Count);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _builder.ConfigureAwait(false);
        await _committer.ConfigureAwait(false);
        await _dictionaries.WhenIdle().ConfigureAwait(false);
    }

    private async Task BuildAsync()
    {
        var batch = new List<PendingWrite>();
        var segments = 0;
        try
        {
            while (true)
            {
                // Read before looking at the committer, so a commit that ends meanwhile is not missed.
                var committed = Volatile.Read(ref _committed).Task;
                while (segments < _options.MaxSegmentsPerChunk * 4 && _queue.Reader.TryRead(out var write))
                {
                    batch.Add(write);
                    segments += write.Segments.Count;
                }

                if (batch.Count == 0)
                {
                    if (!await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
                    {
                        return;
                    }

                    continue;
                }

                // While a commit runs, keep gathering: a batch sealed now would be committed alone, one more fsync for a few writes.
                // Seal ahead only once enough has queued to be worth a transaction of its own.
                if (Volatile.Read(ref _uncommitted) > 0 && segments < SealAheadSegments && !_queue.Reader.Completion.IsCompleted)
                {
                    await Task.WhenAny(committed, _queue.Reader.WaitToReadAsync().AsTask()).ConfigureAwait(false);
                    continue;
                }

                await HandOffAsync(batch, segments).ConfigureAwait(false);
                batch = [];
                segments = 0;
            }
        }
        finally
        {
            if (batch.Count > 0)
            {
                await HandOffAsync(batch, segments).ConfigureAwait(false);
            }

            _sealed.Writer.TryComplete();
        }
    }

    private async Task HandOffAsync(List<PendingWrite> batch, int segments)
    {
        SealedBatch built;
        try
        {
            built = await BuildAsync(batch).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // Build fails only per account; this is the last guard that keeps the writer alive for the next batch.
            Fail(batch, exception);
            return;
        }
        finally
        {
            Interlocked.Add(ref _queuedSegments, -segments);
        }

        if (built.Chunks.Count > 0)
        {
            Interlocked.Increment(ref _uncommitted);
            await _sealed.Writer.WriteAsync(built).ConfigureAwait(false);
        }
    }

    private async Task CommitAsync()
    {
        await foreach (var batch in _sealed.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var started = _time.GetTimestamp();
            try
            {
                // Not cancelled: once sealed, a batch is stored or failed, never left half-way by a caller going away.
                await _store.AppendAsync(batch.Chunks, CancellationToken.None).ConfigureAwait(false);
                ChunkMetrics.CommitDuration.Record(_time.GetElapsedTime(started).TotalSeconds);
                ChunkMetrics.Commits.Add(1, new KeyValuePair<string, object?>("outcome", "committed"));
                ChunkMetrics.Chunks.Add(batch.Chunks.Count);
                foreach (var write in batch.Writes)
                {
                    write.Completion.TrySetResult(StoreOutcome.Stored);
                }
            }
            catch (Exception exception)
            {
                ChunkMetrics.Commits.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
                Fail(batch.Writes, exception);
            }
            finally
            {
                Interlocked.Decrement(ref _uncommitted);
                Interlocked.Exchange(ref _committed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
    }

    /// <summary>Seals a batch's chunks; writes that cannot be sealed are completed here, the rest wait for the commit.</summary>
    private async Task<SealedBatch> BuildAsync(List<PendingWrite> batch)
    {
        var chunks = new List<StoredChunk>();
        var sealedWrites = new List<PendingWrite>(batch.Count);
        foreach (var account in batch.GroupBy(w => w.AccountId, StringComparer.Ordinal))
        {
            DataKey dataKey;
            byte[] indexKey;
            try
            {
                dataKey = _dataKeys.ForSealing(account.Key);
                indexKey = _indexKeys.ForIndexing(account.Key, dataKey);
            }
            catch (StoringStoppedException stopped)
            {
                var outcome = new StoreOutcome(stopped);
                foreach (var write in account)
                {
                    write.Completion.TrySetResult(outcome);
                }

                continue;
            }
            catch (Exception exception)
            {
                // The writer must outlive any one account's failure: those writes fail, the rest go on.
                Fail(account, exception);
                continue;
            }

            try
            {
                var segments = account.SelectMany(w => w.Segments).ToList();
                var dictionary = _dictionaries.ForSealing(account.Key, dataKey, segments);
                var parts = new List<List<ChunkSegment>>();
                for (var start = 0; start < segments.Count; start += _options.MaxSegmentsPerChunk)
                {
                    parts.Add(segments.GetRange(start, Math.Min(_options.MaxSegmentsPerChunk, segments.Count - start)));
                }

                var built = new StoredChunk[parts.Count];
                var ids = await _store.NewChunkIdsAsync(parts.Count, CancellationToken.None).ConfigureAwait(false);
                if (parts.Count == 1)
                {
                    built[0] = BuildChunk(ids[0], account.Key, dataKey, dictionary, indexKey, parts[0], _cipher);
                }
                else
                {
                    // Several full chunks (a backlog): seal them on every core.
                    Parallel.For(0, parts.Count, i => built[i] = BuildChunk(ids[i], account.Key, dataKey, dictionary, indexKey, parts[i], _cipher));
                }

                // The requests' statistics ride on the batch's chunk that is kept longest, sealed under the same data key.
                var keeper = Array.IndexOf(built, built.MaxBy(c => c.MaxTime));
                built[keeper] = built[keeper] with { Statistics = SealStatistics(account.Key, built[keeper].Id, dataKey, segments, _cipher) };
                chunks.AddRange(built);
            }
            catch (Exception exception)
            {
                Fail(account, exception);
                continue;
            }

            sealedWrites.AddRange(account);
        }

        return new SealedBatch(chunks, sealedWrites);
    }

    private static void Fail(IEnumerable<PendingWrite> writes, Exception exception)
    {
        foreach (var write in writes)
        {
            write.Completion.TrySetException(exception);
        }
    }

    /// <summary>Tallies a batch's requests per minute, per service and per edge (whole traces of the batch assembled together), and seals each minute.</summary>
    private static List<SealedMinuteStatistics> SealStatistics(string accountId, long chunkId, DataKey dataKey, List<ChunkSegment> segments, ChunkCipher cipher)
    {
        var collector = new StatisticsCollector();
        collector.AddDocuments(segments.Select(s => (s.TraceId, s.Document)));
        return [.. collector.Minutes.Select(minute => StatisticsCodec.Seal(accountId, chunkId, dataKey, minute, cipher))];
    }

    private static StoredChunk BuildChunk(long id, string accountId, DataKey dataKey, CompressionDictionary dictionary, byte[] indexKey, List<ChunkSegment> segments, ChunkCipher cipher)
    {
        var min = double.MaxValue;
        var max = double.MinValue;
        var earliestStarts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var segment in segments)
        {
            min = Math.Min(min, segment.StartTime);
            max = Math.Max(max, segment.EndTime);
            ref var earliest = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(earliestStarts, segment.TraceId, out var seen);
            earliest = seen ? Math.Min(earliest, segment.StartTime) : segment.StartTime;
        }

        // A trace's segments share its id: its date and its blind-index key are found once per trace, not per segment. A trace is
        // dated by its id's time only when the id carries one (TraceDates); a W3C id's random "time" must not stretch the range.
        var idDated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (traceId, earliest) in earliestStarts)
        {
            var idSeconds = TraceIds.EpochSeconds(traceId);
            if (TraceDates.IsIdDated(idSeconds, (long)Math.Floor(earliest)))
            {
                idDated.Add(traceId);
                min = Math.Min(min, idSeconds);
                max = Math.Max(max, idSeconds);
            }
        }

        var traceIds = earliestStarts.Keys;
        var minMinute = (long)Math.Floor(min / 60) * 60;
        var maxMinute = (long)Math.Ceiling(max / 60) * 60;
        var hashes = idDated.Count == traceIds.Count ? TraceIndexHasher.HashAll(indexKey, traceIds) : TraceIndexHasher.HashAll(indexKey, traceIds, idDated.Contains);
        var sealedBody = ChunkCodec.Seal(accountId, id, dataKey, segments, dictionary, cipher);
        return new StoredChunk(id, accountId, ChunkCodec.CurrentFormat, minMinute, maxMinute, dataKey.Reference, sealedBody, hashes) { DictionaryId = dictionary.Id };
    }

    private sealed record SealedBatch(List<StoredChunk> Chunks, List<PendingWrite> Writes);

    private sealed class PendingWrite(string accountId, IReadOnlyList<ChunkSegment> segments)
    {
        public string AccountId { get; } = accountId;

        public IReadOnlyList<ChunkSegment> Segments { get; } = segments;

        public TaskCompletionSource<StoreOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
