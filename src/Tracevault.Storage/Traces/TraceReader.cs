using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tracevault.Core.Identity;
using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>Reads trace data back: finds chunks by blind index or time range, opens them with the reader's right to their data keys.</summary>
/// <remarks>
/// A chunk whose key the reader cannot use (no <c>kms:Decrypt</c>, or a key disabled, pending deletion or deleted) is left out of
/// the read, and its traces counted under the key in the read's <see cref="ReadDamage"/>: what can be read is not hidden by what
/// cannot. Only when nothing the read found can be opened does it fail, with <see cref="DataKeyAccessException"/> naming the key
/// (a refusal for lack of <c>kms:Decrypt</c> first). Never partial plaintext of a chunk. A
/// damaged or moved chunk (one that does not open as it was sealed) does not fail the read: what of it still opens is read, the
/// traces it loses are left out and named in the read's <see cref="ReadDamage"/>, and the damage is logged once per chunk.
/// </remarks>
public sealed partial class TraceReader
{
    private readonly ITraceStore _store;
    private readonly IDataKeySource _dataKeys;
    private readonly ITraceIndexKeys _indexKeys;
    private readonly DictionaryCache _dictionaries;
    private readonly ILogger _logger;

    // Damage is found once per chunk and process: a chunk is assessed (every frame tried, its traces counted) and logged once.
    private readonly ConcurrentDictionary<long, Lazy<Task<ChunkDamage>>> _damaged = new();

    /// <summary>Creates the reader; <paramref name="logger"/> hears of damaged chunks.</summary>
    public TraceReader(ITraceStore store, IDataKeySource dataKeys, ITraceIndexKeys indexKeys, ILogger logger)
    {
        _store = store;
        _dictionaries = new DictionaryCache(store);
        _dataKeys = dataKeys;
        _indexKeys = indexKeys;
        _logger = logger;
    }

    /// <summary>The segments of the given traces, by trace id; traces with no segments, or lost to damage, are absent.</summary>
    public Task<Dictionary<string, List<ChunkSegment>>> ReadTracesAsync(string accountId, IReadOnlyCollection<string> traceIds, Caller reader, CancellationToken cancellationToken) =>
        ReadTracesAsync(accountId, traceIds, reader, new ReadDamage(), cancellationToken);

    /// <summary>
    /// The segments of the given traces, by trace id; traces with no segments are absent, and so are those a damaged chunk holds
    /// (they are in <paramref name="damage"/>'s <see cref="ReadDamage.TraceIds"/>: a trace is given whole or not at all).
    /// </summary>
    public async Task<Dictionary<string, List<ChunkSegment>>> ReadTracesAsync(string accountId, IReadOnlyCollection<string> traceIds, Caller reader, ReadDamage damage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(damage);
        // An id may be stored under its dated key or, when it carries no time (a W3C id), under its undated one: both are asked for,
        // under every index key the account's chunks may have been indexed with (the service key's, and one per KMS key it used).
        // A KMS key destroyed took its index key with it: the traces it sealed are not found any more.
        var indexKeys = _indexKeys.ForSearching(accountId);
        var idsByHash = traceIds.Distinct(StringComparer.Ordinal)
            .SelectMany(id => indexKeys.SelectMany(indexKey => TraceIndexHasher.Keys(indexKey, id) is var (dated, undated) ? new[] { (Key: dated, Id: id), (Key: undated, Id: id) } : []))
            .ToLookup(k => k.Key, k => k.Id);
        var chunks = await _store.FindByTraceHashesAsync(accountId, idsByHash.Select(ids => ids.Key).ToList(), cancellationToken).ConfigureAwait(false);

        // A chunk opens only the frames that may hold the traces the index found in it, not every trace asked for.
        IReadOnlySet<string> Found(StoredChunk chunk) => chunk.TraceHashes.SelectMany(hash => idsByHash[hash]).ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, List<ChunkSegment>>(StringComparer.Ordinal);
        foreach (var segment in await OpenAsync(chunks, accountId, reader, damage, Found, cancellationToken).ConfigureAwait(false))
        {
            Add(result, segment);
        }

        RemoveDamaged(result, damage);
        return result;
    }

    /// <summary>
    /// The segments of the given traces that given chunks of an account hold (those a trace retrieval found), by trace id: a chunk
    /// deleted since is skipped; as <see cref="ReadTracesAsync(string, IReadOnlyCollection{string}, Caller, ReadDamage, CancellationToken)"/> otherwise.
    /// </summary>
    public async Task<Dictionary<string, List<ChunkSegment>>> ReadTracesInChunksAsync(string accountId, IReadOnlyCollection<long> chunkIds, IReadOnlyCollection<string> traceIds, Caller reader, ReadDamage damage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunkIds);
        ArgumentNullException.ThrowIfNull(damage);
        var wanted = traceIds.ToHashSet(StringComparer.Ordinal);
        var result = new Dictionary<string, List<ChunkSegment>>(StringComparer.Ordinal);
        if (chunkIds.Count == 0 || wanted.Count == 0)
        {
            return result;
        }

        IReadOnlyList<StoredChunk> chunks;
        var snapshot = await _store.OpenSnapshotAsync(cancellationToken).ConfigureAwait(false);
        await using (snapshot.ConfigureAwait(false))
        {
            chunks = await snapshot.LoadAsync(accountId, chunkIds, cancellationToken).ConfigureAwait(false);
        }

        foreach (var segment in await OpenAsync(chunks, accountId, reader, damage, _ => wanted, cancellationToken).ConfigureAwait(false))
        {
            if (wanted.Contains(segment.TraceId))
            {
                Add(result, segment);
            }
        }

        RemoveDamaged(result, damage);
        return result;
    }

    /// <summary>The segments of every trace with data in <c>[fromSecond, toSecond)</c>, by trace id; damaged chunks are skipped.</summary>
    public Task<Dictionary<string, List<ChunkSegment>>> ReadRangeAsync(string accountId, long fromSecond, long toSecond, Caller reader, CancellationToken cancellationToken) =>
        ReadRangeAsync(accountId, fromSecond, toSecond, reader, new ReadDamage(), cancellationToken);

    /// <summary>
    /// The segments of every trace with data in <c>[fromSecond, toSecond)</c>, by trace id. What damaged chunks lose is recorded in
    /// <paramref name="damage"/>; a trace known to be partly in a damaged frame is left out.
    /// </summary>
    public async Task<Dictionary<string, List<ChunkSegment>>> ReadRangeAsync(string accountId, long fromSecond, long toSecond, Caller reader, ReadDamage damage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(damage);
        var chunks = await _store.FindInRangeAsync(accountId, fromSecond, toSecond, cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<string, List<ChunkSegment>>(StringComparer.Ordinal);
        foreach (var segment in await OpenAsync(chunks, accountId, reader, damage, null, cancellationToken).ConfigureAwait(false))
        {
            Add(result, segment);
        }

        RemoveDamaged(result, damage);
        return result;
    }

    /// <summary>
    /// Opens every frame of a chunk, as <c>tracevault check</c> does: what is damaged, and the ids of the traces that still open.
    /// Throws <see cref="DataKeyAccessException"/> when the reader may not open its data key.
    /// </summary>
    public async Task<ChunkCheck> CheckAsync(StoredChunk chunk, Caller reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var dataKey = _dataKeys.ForOpening(chunk.AccountId, chunk.DataKeyReference, reader);
        var (damage, readable) = await AssessAsync(chunk, dataKey, null, cancellationToken).ConfigureAwait(false);
        return new ChunkCheck(damage?.Report, readable.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Reads the traces dated (<see cref="TraceDates"/>) in <c>[fromSecond, toSecond)</c>, newest first, a second at a time
    /// (seconds no trace is dated in are skipped), and yields each batch of traces as soon as they are known complete; the caller
    /// stops reading when it has enough.
    /// </summary>
    /// <remarks>
    /// Every chunk's time range covers the date of each trace in it, and its directory gives the seconds each frame's traces are
    /// dated in: once every chunk whose range ends at or after second T is loaded, and every frame of theirs that holds a trace
    /// dated T or later is open, every trace dated T or later by its id is whole. So a step opens only the frames of the newest
    /// second still unread, not every chunk of the minute, and what is known whole is yielded before the next step opens more. A
    /// trace dated by its spans (a W3C id) is dated in each chunk by the spans that chunk holds, which start no earlier than the
    /// trace: it is yielded once the read is <see cref="SpanDatedSlackSeconds"/> past it, so spans of it stored in another chunk
    /// that started up to that much earlier are read with it. The reader's right to every data key in the range is checked
    /// before anything is read, so a denied key refuses the whole read. The whole read is made in one snapshot of the store
    /// (chunks deleted or written meanwhile neither vanish from it nor appear in it): enumerate to the end, or dispose the enumerator.
    /// The task completes once the rights are checked (a denied key fails it); the batches are read as they are enumerated.
    /// </remarks>
    public Task<IAsyncEnumerable<List<DatedTrace>>> ReadNewestFirstAsync(string accountId, long fromSecond, long toSecond, Caller reader, CancellationToken cancellationToken) =>
        ReadNewestFirstAsync(accountId, fromSecond, toSecond, reader, new ReadDamage(), cancellationToken);

    /// <summary>How long a newest-first read waits, past a trace dated by its spans, for earlier spans of it: one minute, in seconds.</summary>
    public const long SpanDatedSlackSeconds = 60;

    /// <summary>
    /// As <see cref="ReadNewestFirstAsync(string, long, long, Caller, CancellationToken)"/>; what damaged chunks lose is recorded in
    /// <paramref name="damage"/> as it is met, and a trace known to be partly in a damaged frame is left out.
    /// </summary>
    public async Task<IAsyncEnumerable<List<DatedTrace>>> ReadNewestFirstAsync(string accountId, long fromSecond, long toSecond, Caller reader, ReadDamage damage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(damage);
        var snapshot = await _store.OpenSnapshotAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<ChunkHeader> headers;
        var keys = new Dictionary<string, DataKey>(StringComparer.Ordinal);
        try
        {
            // An earlier span of a trace dated by its spans lies in a chunk that ends no earlier than the spans it encloses: in range.
            headers = await snapshot.FindHeadersInRangeAsync(accountId, fromSecond, toSecond, cancellationToken).ConfigureAwait(false);
            var refused = OpenKeys(headers.Select(h => h.DataKeyReference), accountId, reader, keys);
            if (refused.Count > 0)
            {
                var unopened = headers.Where(h => refused.ContainsKey(h.DataKeyReference)).ToList();
                if (unopened.Count == headers.Count)
                {
                    throw Refusal(refused.Values);
                }

                foreach (var header in unopened)
                {
                    var traces = await snapshot.CountIndexedTracesAsync(header, cancellationToken).ConfigureAwait(false);
                    damage.AddUnreadable(Unreadable(refused[header.DataKeyReference], traces));
                }

                headers = headers.Where(h => keys.ContainsKey(h.DataKeyReference)).ToList();
            }
        }
        catch
        {
            await snapshot.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return Batches(cancellationToken);

        async IAsyncEnumerable<List<DatedTrace>> Batches([EnumeratorCancellation] CancellationToken cancellation)
        {
            await using var store = snapshot;
            var dictionaries = new DictionaryCache.Loaded();
            var pending = new Dictionary<string, PendingTrace>(StringComparer.Ordinal);
            var given = new HashSet<string>(StringComparer.Ordinal);
            var reading = new List<ChunkInReading>();
            var damaged = new ConcurrentBag<ChunkDamage>();
            var loaded = 0;
            while (true)
            {
                // The newest second anything unread may hold a trace of: the chunks not loaded yet come latest range end first.
                var newest = loaded < headers.Count ? headers[loaded].MaxTime : long.MinValue;
                foreach (var chunk in reading)
                {
                    newest = Math.Max(newest, chunk.NewestUnread);
                }

                // Nothing unread may hold a trace dated after it: what is pending of those is whole, and goes before more is opened.
                var whole = pending.Values.Where(p => p.IsWhole(newest)).ToList();
                foreach (var trace in whole)
                {
                    pending.Remove(trace.TraceId);
                    given.Add(trace.TraceId);
                }

                // A trace is whole only once every frame that may hold it was opened: one partly in a damaged frame is left out.
                if (!damaged.IsEmpty)
                {
                    var lost = whole.Where(t => damaged.Any(d => d.Holds(t.TraceId))).Select(t => t.TraceId).ToHashSet(StringComparer.Ordinal);
                    foreach (var traceId in lost)
                    {
                        damage.AddTrace(traceId);
                    }

                    whole.RemoveAll(t => lost.Contains(t.TraceId));
                }

                if (whole.Count > 0)
                {
                    yield return whole.ConvertAll(t => new DatedTrace(t.TraceId, t.Date, t.Segments));
                }

                if (newest == long.MinValue)
                {
                    yield break;
                }

                var load = new List<long>();
                while (loaded < headers.Count && headers[loaded].MaxTime >= newest)
                {
                    load.Add(headers[loaded++].Id);
                }

                var loadedChunks = load.Count > 0 ? await store.LoadAsync(accountId, load, cancellation).ConfigureAwait(false) : [];
                await _dictionaries.LoadAsync(accountId, loadedChunks.Select(c => (c.DictionaryId, keys[c.DataKeyReference])), dictionaries, cancellation).ConfigureAwait(false);
                foreach (var chunk in loadedChunks)
                {
                    var dataKey = keys[chunk.DataKeyReference];
                    try
                    {
                        reading.Add(new ChunkInReading(chunk, dataKey));
                    }
                    catch (Exception exception) when (IsDamage(exception))
                    {
                        // Its directory is lost: nothing of it can be read, and which traces it held is unknown.
                        damage.Add((await DamageAsync(chunk, dataKey, exception, cancellation).ConfigureAwait(false)).Report);
                    }
                }

                var frames = reading.SelectMany(chunk => chunk.TakeFrames(newest).Select(frame => (Chunk: chunk, Frame: frame))).ToList();
                var opened = new List<ChunkSegment>[frames.Count];
                var failed = new Exception?[frames.Count];
                OnEveryCore.For(frames.Count, i => (opened[i], failed[i]) = TryOpenFrame(frames[i].Chunk, frames[i].Frame, dictionaries));
                for (var i = 0; i < frames.Count; i++)
                {
                    if (failed[i] is { } exception)
                    {
                        var found = await DamageAsync(frames[i].Chunk.Chunk, frames[i].Chunk.DataKey, exception, cancellation).ConfigureAwait(false);
                        damage.Add(found.Report);
                        damaged.Add(found);
                    }
                }

                for (var i = 0; i < frames.Count; i++)
                {
                    var frame = frames[i].Chunk.Directory.Frames[frames[i].Frame];
                    foreach (var segment in opened[i])
                    {
                        // A trace the read gave already (dated by its spans in one chunk, by its id in another) is not given twice.
                        if (!given.Contains(segment.TraceId))
                        {
                            AddDated(pending, segment, frame);
                        }
                    }
                }

                reading.RemoveAll(chunk => chunk.AllRead);
            }
        }
    }

    /// <summary>
    /// Adds a segment read from <paramref name="frame"/> to its pending trace. A trace whose id's time lies within the frame's dates
    /// is dated by its id (the writer dated it so, or a random id's "time" happens to lie among real ones); otherwise the writer
    /// dated it by its spans' earliest start (<see cref="TraceDates"/>), and so is it here.
    /// </summary>
    private static void AddDated(Dictionary<string, PendingTrace> pending, ChunkSegment segment, ChunkFrame frame)
    {
        if (!pending.TryGetValue(segment.TraceId, out var trace))
        {
            pending[segment.TraceId] = trace = new PendingTrace(segment.TraceId, TraceIds.EpochSeconds(segment.TraceId));
        }

        trace.Segments.Add(segment);
        if (trace.IdSeconds >= frame.FirstSecond && trace.IdSeconds <= frame.LastSecond)
        {
            trace.DateByIdOnly();
        }
        else
        {
            trace.DateByStart((long)Math.Floor(segment.StartTime));
        }
    }

    private async Task<List<ChunkSegment>> OpenAsync(IReadOnlyList<StoredChunk> chunks, string accountId, Caller reader, ReadDamage damage, Func<StoredChunk, IReadOnlySet<string>>? traceIds, CancellationToken cancellationToken)
    {
        // Every key is tried before anything is opened: a chunk under a key the reader cannot use is left out and counted, and
        // when that is every chunk the read found, the read is refused naming the key.
        var keys = new Dictionary<string, DataKey>(StringComparer.Ordinal);
        var refused = OpenKeys(chunks.Select(c => c.DataKeyReference), accountId, reader, keys);
        if (refused.Count > 0)
        {
            var unopened = chunks.Where(c => refused.ContainsKey(c.DataKeyReference)).ToList();
            if (unopened.Count == chunks.Count)
            {
                throw Refusal(refused.Values);
            }

            await LeaveOutAsync(unopened, refused, damage, traceIds, cancellationToken).ConfigureAwait(false);
            chunks = chunks.Where(c => keys.ContainsKey(c.DataKeyReference)).ToList();
        }

        var dictionaries = new DictionaryCache.Loaded();
        await _dictionaries.LoadAsync(accountId, chunks.Select(c => (c.DictionaryId, keys[c.DataKeyReference])), dictionaries, cancellationToken).ConfigureAwait(false);

        // Opening is decryption and decompression, independent per chunk: a whole range's chunks are spread over the cores. A few
        // traces open one small frame per chunk, less work than spreading it (BatchGetTraces on 10 M segments, two servers on
        // the same store measured alternately: p50 2.1 ms one after another, 2.3 ms spread).
        var opened = new List<ChunkSegment>?[chunks.Count];
        var failed = new Exception?[chunks.Count];
        void OpenAt(int i)
        {
            var chunk = chunks[i];
            try
            {
                opened[i] = OpenOne(chunk, keys[chunk.DataKeyReference], traceIds?.Invoke(chunk), dictionaries);
            }
            catch (Exception exception) when (IsDamage(exception))
            {
                failed[i] = exception;
            }
        }

        if (chunks.Count <= 1 || traceIds is not null)
        {
            for (var i = 0; i < chunks.Count; i++)
            {
                OpenAt(i);
            }
        }
        else
        {
            OnEveryCore.For(chunks.Count, OpenAt);
        }

        var segments = new List<ChunkSegment>();
        for (var i = 0; i < chunks.Count; i++)
        {
            segments.AddRange(failed[i] is { } exception
                ? await SalvageAsync(chunks[i], keys[chunks[i].DataKeyReference], traceIds?.Invoke(chunks[i]), damage, exception, dictionaries, cancellationToken).ConfigureAwait(false)
                : opened[i]!);
        }

        return segments;
    }

    /// <summary>What of a damaged chunk (or of the traces <paramref name="traceIds"/> of it) still opens; its loss goes to <paramref name="damage"/>.</summary>
    private async Task<List<ChunkSegment>> SalvageAsync(StoredChunk chunk, DataKey dataKey, IReadOnlySet<string>? traceIds, ReadDamage damage, Exception exception, DictionaryCache.Loaded dictionaries, CancellationToken cancellationToken)
    {
        var found = await DamageAsync(chunk, dataKey, exception, cancellationToken).ConfigureAwait(false);
        damage.Add(found.Report);
        if (traceIds is not null)
        {
            // The blind index places these traces in the chunk: those in a damaged frame (all, when its directory is lost) are lost.
            foreach (var traceId in traceIds.Where(found.Loses))
            {
                damage.AddTrace(traceId);
            }
        }

        if (found.Ranges is null || found.GoodFrames.Count == 0)
        {
            return [];
        }

        CompressionDictionary Dictionary(long id) => dictionaries.Get(id, dataKey);
        var readable = traceIds?.Where(id => !found.Loses(id)).ToHashSet(StringComparer.Ordinal);
        return readable is { Count: 0 } ? [] : OpenGoodFrames(chunk, dataKey, Dictionary, found.GoodFrames, readable);
    }

    private static List<ChunkSegment> OpenGoodFrames(StoredChunk chunk, DataKey dataKey, Func<long, CompressionDictionary> dictionaries, IReadOnlyList<int> frames, IReadOnlySet<string>? traceIds) =>
        ChunkCodec.OpenFrames(chunk, dataKey, dictionaries, ChunkCodec.OpenDirectory(chunk, dataKey), frames, traceIds);

    /// <summary>Opens a frame of a chunk being read; a failure that means damage is given back, to be assessed once the frames in parallel are done.</summary>
    private static (List<ChunkSegment> Segments, Exception? Damage) TryOpenFrame(ChunkInReading chunk, int frame, DictionaryCache.Loaded dictionaries)
    {
        try
        {
            return (OpenFrame(chunk, frame, dictionaries), null);
        }
        catch (Exception exception) when (IsDamage(exception))
        {
            return ([], exception);
        }
    }

    /// <summary>Whether a failure to open a chunk means its stored bytes are not as sealed: authentication or decoding failed.</summary>
    private static bool IsDamage(Exception exception) =>
        exception is CryptographicException or InvalidDataException or EndOfStreamException or ArgumentException or IndexOutOfRangeException or OverflowException or FormatException;

    /// <summary>
    /// Leaves out the traces a damaged frame, or a chunk under a key that could not be used, is known to hold part of (their other
    /// parts came from chunks that opened): a trace is given whole or not at all.
    /// </summary>
    private static void RemoveDamaged(Dictionary<string, List<ChunkSegment>> result, ReadDamage damage)
    {
        foreach (var traceId in damage.TraceIds.Concat(damage.UnreadableTraceIds))
        {
            result.Remove(traceId);
        }
    }

    /// <summary>Opens the data key of each reference into <paramref name="keys"/>; answers those the reader cannot use, and why.</summary>
    private Dictionary<string, DataKeyAccessException> OpenKeys(IEnumerable<string> references, string accountId, Caller reader, Dictionary<string, DataKey> keys)
    {
        var refused = new Dictionary<string, DataKeyAccessException>(StringComparer.Ordinal);
        foreach (var reference in references.Distinct(StringComparer.Ordinal))
        {
            try
            {
                keys[reference] = _dataKeys.ForOpening(accountId, reference, reader);
            }
            catch (DataKeyAccessException exception)
            {
                refused[reference] = exception;
            }
        }

        return refused;
    }

    /// <summary>Counts the traces of chunks left out for their keys: by id when the read asked for ids, else as the blind index counts them.</summary>
    private async Task LeaveOutAsync(List<StoredChunk> unopened, Dictionary<string, DataKeyAccessException> refused, ReadDamage damage, Func<StoredChunk, IReadOnlySet<string>>? traceIds, CancellationToken cancellationToken)
    {
        if (traceIds is not null)
        {
            foreach (var group in unopened.GroupBy(c => refused[c.DataKeyReference].KeyArn, StringComparer.Ordinal))
            {
                var ids = group.SelectMany(traceIds).ToHashSet(StringComparer.Ordinal);
                foreach (var id in ids)
                {
                    damage.AddUnreadableTrace(id);
                }

                damage.AddUnreadable(Unreadable(refused[group.First().DataKeyReference], ids.Count));
            }

            return;
        }

        var snapshot = await _store.OpenSnapshotAsync(cancellationToken).ConfigureAwait(false);
        await using (snapshot.ConfigureAwait(false))
        {
            foreach (var chunk in unopened)
            {
                var traces = await snapshot.CountIndexedTracesAsync(new ChunkHeader(chunk.Id, chunk.MinTime, chunk.MaxTime, chunk.DataKeyReference), cancellationToken).ConfigureAwait(false);
                damage.AddUnreadable(Unreadable(refused[chunk.DataKeyReference], traces));
            }
        }
    }

    private static UnreadableKey Unreadable(DataKeyAccessException refusal, int traces) =>
        new(refusal.KeyArn, refusal.Message, refusal.AccessDenied, traces);

    /// <summary>The refusal a read that could open nothing fails with: lacking <c>kms:Decrypt</c> first, as the seed's rule reads.</summary>
    private static DataKeyAccessException Refusal(IEnumerable<DataKeyAccessException> refusals) =>
        refusals.FirstOrDefault(r => r.AccessDenied) ?? refusals.First();

    /// <summary>The damage of a chunk that failed to open, assessed and logged the first time it is met in this process.</summary>
    private async Task<ChunkDamage> DamageAsync(StoredChunk chunk, DataKey dataKey, Exception cause, CancellationToken cancellationToken)
    {
        var lazy = _damaged.GetOrAdd(chunk.Id, _ => new Lazy<Task<ChunkDamage>>(async () =>
        {
            var damage = (await AssessAsync(chunk, dataKey, cause, cancellationToken).ConfigureAwait(false)).Damage!;
            var report = damage.Report;
            LogDamagedChunk(_logger, report.ChunkId, report.AccountId, Time(report.MinTime), Time(report.MaxTime), report.Frames == 0 ? "its directory" : $"{report.DamagedFrames.Count} of {report.Frames} frames", report.Traces, report.Reason);
            return damage;
        }));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        catch
        {
            // Assessing failed for another reason (the database, a read cancelled): the next read tries again.
            _damaged.TryRemove(chunk.Id, out _);
            throw;
        }

        static string Time(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Opens a chunk's directory and each frame on its own: which frames are damaged, which trace ids they span, and how many traces
    /// are lost (the blind index's count of the chunk's traces, less those of the frames that open). <paramref name="cause"/>, when
    /// given, is how opening it failed before: if every part opens now (a dictionary it needs, not the chunk, failed), it still counts.
    /// </summary>
    private async Task<(ChunkDamage? Damage, HashSet<string> Readable)> AssessAsync(StoredChunk chunk, DataKey dataKey, Exception? cause, CancellationToken cancellationToken)
    {
        var readable = new HashSet<string>(StringComparer.Ordinal);
        int indexed;
        var snapshot = await _store.OpenSnapshotAsync(cancellationToken).ConfigureAwait(false);
        await using (snapshot.ConfigureAwait(false))
        {
            indexed = await snapshot.CountIndexedTracesAsync(new ChunkHeader(chunk.Id, chunk.MinTime, chunk.MaxTime, chunk.DataKeyReference), cancellationToken).ConfigureAwait(false);
        }

        var dictionaries = new DictionaryCache.Loaded();
        await _dictionaries.LoadAsync(chunk.AccountId, [(chunk.DictionaryId, dataKey)], dictionaries, cancellationToken).ConfigureAwait(false);

        DamagedChunk Report(int traces, Exception reason) =>
            new(chunk.Id, chunk.AccountId, chunk.MinTime, chunk.MaxTime, chunk.DataKeyReference, Math.Max(1, traces), $"{reason.GetType().Name}: {reason.Message}");

        ChunkDirectory directory;
        try
        {
            directory = ChunkCodec.OpenDirectory(chunk, dataKey);
        }
        catch (Exception exception) when (IsDamage(exception))
        {
            return (new ChunkDamage(Report(indexed, exception), null, []), readable);
        }

        CompressionDictionary Dictionary(long id) => dictionaries.Get(id, dataKey);
        var damagedFrames = new List<int>();
        var goodFrames = new List<int>();
        Exception? first = null;
        for (var frame = 0; frame < directory.Frames.Count; frame++)
        {
            try
            {
                readable.UnionWith(ChunkCodec.OpenFrames(chunk, dataKey, Dictionary, directory, [frame], null).Select(s => s.TraceId));
                goodFrames.Add(frame);
            }
            catch (Exception exception) when (IsDamage(exception))
            {
                first ??= exception;
                damagedFrames.Add(frame);
            }
        }

        if (damagedFrames.Count == 0 && cause is null)
        {
            return (null, readable);
        }

        if (damagedFrames.Count == 0)
        {
            // Every part opens alone, yet the chunk did not: count it lost whole rather than give a trace that may be partial.
            return (new ChunkDamage(Report(indexed, cause!) with { Frames = directory.Frames.Count }, null, []), readable);
        }

        var frames = directory.Frames;
        var ranges = damagedFrames.Select(f => (frames[f].FirstTraceId, f + 1 < frames.Count ? frames[f + 1].FirstTraceId : null)).ToList();
        var report = Report(indexed - readable.Count, first!) with
        {
            Frames = frames.Count,
            DamagedFrames = damagedFrames,
            DamagedFrameFirstTraceIds = damagedFrames.Select(f => frames[f].FirstTraceId).Where(id => id.Length > 0).ToList(),
        };
        return (new ChunkDamage(report, ranges, goodFrames), readable);
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Error, Message = "Chunk {ChunkId} of account {AccountId} ({From} to {To}) is damaged: {Part} do not open as sealed ({Reason}); {Traces} trace(s) in it cannot be read, and reads skip them and count them. Run 'tracevault check' for the whole store.")]
    private static partial void LogDamagedChunk(ILogger logger, long chunkId, string accountId, string from, string to, string part, int traces, string reason);

    private static List<ChunkSegment> OpenOne(StoredChunk chunk, DataKey dataKey, IReadOnlySet<string>? traceIds, DictionaryCache.Loaded dictionaries)
    {
        CompressionDictionary Dictionary(long id) => dictionaries.Get(id, dataKey);
        return traceIds is null ? ChunkCodec.Open(chunk, dataKey, Dictionary) : ChunkCodec.OpenTraces(chunk, dataKey, Dictionary, traceIds);
    }

    private static List<ChunkSegment> OpenFrame(ChunkInReading chunk, int frame, DictionaryCache.Loaded dictionaries)
    {
        CompressionDictionary Dictionary(long id) => dictionaries.Get(id, chunk.DataKey);
        return ChunkCodec.OpenFrames(chunk.Chunk, chunk.DataKey, Dictionary, chunk.Directory, [frame], null);
    }

    private static void Add(Dictionary<string, List<ChunkSegment>> result, ChunkSegment segment)
    {
        if (!result.TryGetValue(segment.TraceId, out var list))
        {
            result[segment.TraceId] = list = [];
        }

        list.Add(segment);
    }

    /// <summary>A trace a newest-first read has met and not given yet, with its date so far.</summary>
    private sealed class PendingTrace(string traceId, long idSeconds)
    {
        private bool _byId;

        public string TraceId { get; } = traceId;

        public long IdSeconds { get; } = idSeconds;

        public List<ChunkSegment> Segments { get; } = [];

        public long Date { get; private set; } = long.MaxValue;

        /// <summary>Dates it by its id: a chunk dated it so.</summary>
        public void DateByIdOnly()
        {
            _byId = true;
            Date = IdSeconds;
        }

        /// <summary>Dates it by its earliest span start, unless a chunk dated it by its id.</summary>
        public void DateByStart(long startSecond)
        {
            if (!_byId)
            {
                Date = Math.Min(Date, startSecond);
            }
        }

        /// <summary>Whether no unread frame, whose newest date is <paramref name="newest"/>, may hold more of it.</summary>
        public bool IsWhole(long newest) => _byId ? Date > newest : Date - SpanDatedSlackSeconds > newest;
    }

    /// <summary>A chunk a newest-first read has loaded: its directory, opened, and which of its frames are still unread.</summary>
    private sealed class ChunkInReading
    {
        private readonly bool[] _read;
        private int _unread;

        public ChunkInReading(StoredChunk chunk, DataKey dataKey)
        {
            Chunk = chunk;
            DataKey = dataKey;
            Directory = ChunkCodec.OpenDirectory(chunk, dataKey);
            _read = new bool[Directory.Frames.Count];
            _unread = _read.Length;
        }

        public StoredChunk Chunk { get; }

        public DataKey DataKey { get; }

        public ChunkDirectory Directory { get; }

        public bool AllRead => _unread == 0;

        /// <summary>The latest second its unread frames' traces are dated in; <see cref="long.MinValue"/> when all are read.</summary>
        public long NewestUnread
        {
            get
            {
                var newest = long.MinValue;
                for (var frame = 0; frame < _read.Length; frame++)
                {
                    if (!_read[frame])
                    {
                        newest = Math.Max(newest, Directory.Frames[frame].LastSecond);
                    }
                }

                return newest;
            }
        }

        /// <summary>Its unread frames that may hold a trace dated <paramref name="second"/> (it is the newest any unread frame holds), now counted as read.</summary>
        public List<int> TakeFrames(long second)
        {
            var frames = new List<int>();
            for (var frame = 0; frame < _read.Length; frame++)
            {
                if (!_read[frame] && Directory.Frames[frame].LastSecond >= second)
                {
                    _read[frame] = true;
                    _unread--;
                    frames.Add(frame);
                }
            }

            return frames;
        }
    }
}
