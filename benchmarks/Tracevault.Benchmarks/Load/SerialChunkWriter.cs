using Tracevault.Core;
using Tracevault.Core.Traces;
using System.Threading.Channels;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// The chunk writer as it was before it was pipelined (commit c976b51): one loop that gathers, seals (one blind-index HMAC per
/// segment) and then commits, serially. Kept here only so <see cref="EncryptionCostProbe"/> can measure the server's writer against
/// it in the same run; it shares <see cref="ChunkCodec"/> and the dictionary training with the server.
/// </summary>
internal sealed class SerialChunkWriter : IAsyncDisposable
{
    private readonly ITraceStore _store;
    private readonly DefaultDataKeys _keys;
    private readonly TraceStoreOptions _options;
    private readonly ChunkCipher _cipher;
    private readonly DictionaryTrainer _dictionaries;
    private readonly Channel<(string AccountId, IReadOnlyList<ChunkSegment> Segments, TaskCompletionSource Done)> _queue;
    private readonly Task _loop;

    public SerialChunkWriter(ITraceStore store, DefaultDataKeys keys, TraceStoreOptions options, ChunkCipher cipher)
    {
        _store = store;
        _keys = keys;
        _options = options;
        _cipher = cipher;
        _dictionaries = new DictionaryTrainer(store, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        _queue = Channel.CreateBounded<(string, IReadOnlyList<ChunkSegment>, TaskCompletionSource)>(new BoundedChannelOptions(options.MaxPendingWrites) { SingleReader = true });
        _loop = Task.Run(RunAsync);
    }

    public async Task StoreAsync(string accountId, IReadOnlyList<ChunkSegment> segments)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync((accountId, segments, done)).ConfigureAwait(false);
        await done.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        await _dictionaries.WhenIdle().ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<(string AccountId, IReadOnlyList<ChunkSegment> Segments, TaskCompletionSource Done)>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var count = 0;
            while (count < _options.MaxSegmentsPerChunk * 4 && _queue.Reader.TryRead(out var write))
            {
                batch.Add(write);
                count += write.Segments.Count;
            }

            var chunks = new List<StoredChunk>();
            foreach (var account in batch.GroupBy(w => w.AccountId, StringComparer.Ordinal))
            {
                var dataKey = _keys.ForSealing(account.Key);
                var indexKey = _keys.TraceIndexKey(account.Key);
                var segments = account.SelectMany(w => w.Segments).ToList();
                var dictionary = _dictionaries.ForSealing(account.Key, dataKey, segments);
                for (var start = 0; start < segments.Count; start += _options.MaxSegmentsPerChunk)
                {
                    chunks.Add(BuildChunk(account.Key, dataKey, dictionary, indexKey, segments.GetRange(start, Math.Min(_options.MaxSegmentsPerChunk, segments.Count - start))));
                }
            }

            await _store.AppendAsync(chunks, CancellationToken.None);
            foreach (var write in batch)
            {
                write.Done.TrySetResult();
            }
        }
    }

    private StoredChunk BuildChunk(string accountId, DataKey dataKey, CompressionDictionary dictionary, byte[] indexKey, List<ChunkSegment> segments)
    {
        var id = Ids.NewPositiveInt64();
        var min = double.MaxValue;
        var max = double.MinValue;
        var hashes = new HashSet<long>();
        foreach (var segment in segments)
        {
            var traceSeconds = TraceIds.EpochSeconds(segment.TraceId);
            min = Math.Min(min, Math.Min(segment.StartTime, traceSeconds));
            max = Math.Max(max, Math.Max(segment.EndTime, traceSeconds));
            hashes.Add(TraceIndexHasher.Hash(indexKey, segment.TraceId));
        }

        var sealedBody = ChunkCodec.Seal(accountId, id, dataKey, segments, dictionary, _cipher);
        return new StoredChunk(id, accountId, ChunkCodec.CurrentFormat, (long)Math.Floor(min / 60) * 60, (long)Math.Ceiling(max / 60) * 60, dataKey.Reference, sealedBody, hashes.ToArray())
        {
            DictionaryId = dictionary.Id,
        };
    }
}
