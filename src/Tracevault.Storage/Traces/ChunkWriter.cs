using System.Security.Cryptography;
using System.Threading.Channels;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>The one writer of trace data: gathers segment writes from every caller, seals them into chunks and commits them together.</summary>
/// <remarks>
/// Group commit: while one transaction is being made durable, new writes queue up and go into the next one, so the cost of
/// a durable commit is shared by every request waiting on it. A write completes only once its segments are durable.
/// Thread-safe.
/// </remarks>
public sealed class ChunkWriter : IAsyncDisposable
{
    private readonly ITraceStore _store;
    private readonly IDataKeySource _dataKeys;
    private readonly DefaultDataKeys _indexKeys;
    private readonly TraceStoreOptions _options;
    private readonly ChunkCipher _cipher;
    private readonly Channel<PendingWrite> _queue;
    private readonly Task _loop;

    /// <summary>Starts the writer.</summary>
    public ChunkWriter(ITraceStore store, IDataKeySource dataKeys, DefaultDataKeys indexKeys, TraceStoreOptions options)
        : this(store, dataKeys, indexKeys, options, AeadSealer.Seal)
    {
    }

    /// <summary>Starts the writer with the cipher given; only the benchmarks pass another than AES-256-GCM.</summary>
    internal ChunkWriter(ITraceStore store, IDataKeySource dataKeys, DefaultDataKeys indexKeys, TraceStoreOptions options, ChunkCipher cipher)
    {
        _cipher = cipher;
        _store = store;
        _dataKeys = dataKeys;
        _indexKeys = indexKeys;
        _options = options;
        _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(options.MaxPendingWrites)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
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
        return await write.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Queues segments without waiting (for UDP, which has no one to answer); false when the queue is full.</summary>
    public bool TryQueue(string accountId, IReadOnlyList<ChunkSegment> segments, out Task<StoreOutcome> outcome)
    {
        var write = new PendingWrite(accountId, segments);
        outcome = write.Completion.Task;
        return _queue.Writer.TryWrite(write);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var segments = 0;
            while (segments < _options.MaxSegmentsPerChunk * 4 && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
                segments += write.Segments.Count;
            }

            Commit(batch);
        }
    }

    private void Commit(List<PendingWrite> batch)
    {
        var chunks = new List<StoredChunk>();
        var committed = new List<PendingWrite>(batch.Count);
        foreach (var account in batch.GroupBy(w => w.AccountId, StringComparer.Ordinal))
        {
            DataKey dataKey;
            try
            {
                dataKey = _dataKeys.ForSealing(account.Key);
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
                var indexKey = _indexKeys.TraceIndexKey(account.Key);
                var segments = account.SelectMany(w => w.Segments).ToList();
                for (var start = 0; start < segments.Count; start += _options.MaxSegmentsPerChunk)
                {
                    var part = segments.GetRange(start, Math.Min(_options.MaxSegmentsPerChunk, segments.Count - start));
                    chunks.Add(BuildChunk(account.Key, dataKey, indexKey, part, _cipher));
                }
            }
            catch (Exception exception)
            {
                chunks.RemoveAll(c => c.AccountId == account.Key);
                Fail(account, exception);
                continue;
            }

            committed.AddRange(account);
        }

        if (chunks.Count == 0)
        {
            return;
        }

        try
        {
            _store.Append(chunks);
        }
        catch (Exception exception)
        {
            Fail(committed, exception);
            return;
        }

        foreach (var write in committed)
        {
            write.Completion.TrySetResult(StoreOutcome.Stored);
        }
    }

    private static void Fail(IEnumerable<PendingWrite> writes, Exception exception)
    {
        foreach (var write in writes)
        {
            write.Completion.TrySetException(exception);
        }
    }

    private static StoredChunk BuildChunk(string accountId, DataKey dataKey, byte[] indexKey, List<ChunkSegment> segments, ChunkCipher cipher)
    {
        var id = RandomNumberGenerator.GetInt32(1, int.MaxValue) * (long)int.MaxValue + RandomNumberGenerator.GetInt32(int.MaxValue);
        var min = double.MaxValue;
        var max = double.MinValue;
        var hashes = new HashSet<long>();
        foreach (var segment in segments)
        {
            min = Math.Min(min, Math.Min(segment.StartTime, TraceIdSeconds(segment.TraceId)));
            max = Math.Max(max, Math.Max(segment.EndTime, TraceIdSeconds(segment.TraceId)));
            hashes.Add(TraceIndexHasher.Hash(indexKey, segment.TraceId));
        }

        var minMinute = (long)Math.Floor(min / 60) * 60;
        var maxMinute = (long)Math.Ceiling(max / 60) * 60;
        var sealedBody = ChunkCodec.Seal(accountId, id, dataKey, segments, cipher);
        return new StoredChunk(id, accountId, ChunkCodec.CurrentFormat, minMinute, maxMinute, dataKey.Reference, sealedBody, hashes.ToArray());
    }

    private static double TraceIdSeconds(string traceId) =>
        traceId.Length >= 10 && long.TryParse(traceId.AsSpan(2, 8), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var seconds) ? seconds : 0;

    private sealed class PendingWrite(string accountId, IReadOnlyList<ChunkSegment> segments)
    {
        public string AccountId { get; } = accountId;

        public IReadOnlyList<ChunkSegment> Segments { get; } = segments;

        public TaskCompletionSource<StoreOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
