using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>In-memory compaction: the writer merges the chunks it committed into full, better-compressed chunks.</summary>
/// <remarks>
/// Under load a commit holds only what queued meanwhile (a few hundred segments), and small chunks compress badly. So the writer
/// keeps, per account and data key, the plaintext of the chunks it has just committed (in memory only), and once they add up to
/// <see cref="TraceStoreOptions.MaxSegmentsPerChunk"/> segments, or <see cref="TraceStoreOptions.MaxMergeDelay"/> has passed, or
/// the account's data key changed, seals them again as one chunk — grouped by trace, better compressed, under the same data
/// key — and swaps it for them in one transaction. The committed chunks are complete on their own: a crash, a failed merge or
/// a key that can no longer be used leaves them as they are. Held per account: what is filling up (at most a full chunk's
/// worth), at most one set waiting to be merged, and the one being merged; when the merger falls behind, a due set is let go.
/// </remarks>
public sealed partial class ChunkWriter
{
    private readonly Lock _holding = new();

    // Per account, the chunks committed since its last set was handed to the merger, all under one data key.
    private readonly Dictionary<string, HeldSet> _filling = new(StringComparer.Ordinal);

    // The sets to merge, oldest first; at most one per account.
    private readonly List<HeldSet> _due = [];

    private TaskCompletionSource _heldChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _stopping;
    private readonly Task _merger;

    /// <summary>Holds the plaintext of chunks just committed, and hands a set to the merger once it is due.</summary>
    private void Hold(List<HeldChunk> chunks)
    {
        if (chunks.Count == 0)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var wake = false;
        lock (_holding)
        {
            foreach (var chunk in chunks)
            {
                _filling.TryGetValue(chunk.AccountId, out var set);
                if (set is not null && (set.Key.Reference != chunk.Key.Reference || set.Segments + chunk.Segments.Count > _options.MaxSegmentsPerChunk))
                {
                    // Another data key, or no room left: what is held is merged now, under its own key.
                    _filling.Remove(chunk.AccountId);
                    MarkDue(set);
                    set = null;
                }

                if (set is null)
                {
                    set = new HeldSet(chunk.AccountId, chunk.Key, now);
                    _filling[chunk.AccountId] = set;
                }

                set.Add(chunk);
                if (set.Segments >= _options.MaxSegmentsPerChunk)
                {
                    _filling.Remove(chunk.AccountId);
                    MarkDue(set);
                }

                // The merger needs waking only for a new deadline (a new set) or a due set.
                wake = true;
            }
        }

        if (wake)
        {
            WakeMerger();
        }
    }

    /// <summary>Queues a set for merging, unless one of its account already waits (the merger is behind): then its chunks stay as committed.</summary>
    private void MarkDue(HeldSet set)
    {
        if (!_due.Exists(d => d.AccountId == set.AccountId))
        {
            _due.Add(set);
        }
    }

    private void StopMerging()
    {
        lock (_holding)
        {
            _stopping = true;
        }

        WakeMerger();
    }

    private void WakeMerger() =>
        Interlocked.Exchange(ref _heldChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task MergeAsync()
    {
        var flushing = false;
        while (true)
        {
            // Read before looking at the sets, so a change meanwhile is not missed.
            var changed = Volatile.Read(ref _heldChanged).Task;
            var (set, wait, stopping) = NextDue(flushing);
            if (set is not null)
            {
                if (Merge(set) is { } merged)
                {
                    Interlocked.Increment(ref _uncommitted);
                    await _sealed.Writer.WriteAsync(merged).ConfigureAwait(false);
                }

                continue;
            }

            if (flushing)
            {
                return;
            }

            if (stopping)
            {
                // The builder is done; once its last batches are committed every chunk is held, and all of it is merged now.
                await AllCommittedAsync().ConfigureAwait(false);
                flushing = true;
                continue;
            }

            if (wait is { } delay)
            {
                using var cancel = new CancellationTokenSource();
                await Task.WhenAny(changed, Task.Delay(delay, _time, cancel.Token)).ConfigureAwait(false);
                await cancel.CancelAsync().ConfigureAwait(false);
            }
            else
            {
                await changed.ConfigureAwait(false);
            }
        }
    }

    /// <summary>The next set to merge: a due one, else one held for <see cref="TraceStoreOptions.MaxMergeDelay"/> (any, when flushing); else how long until one is.</summary>
    private (HeldSet? Set, TimeSpan? Wait, bool Stopping) NextDue(bool flushing)
    {
        lock (_holding)
        {
            if (_due.Count > 0)
            {
                var due = _due[0];
                _due.RemoveAt(0);
                return (due, null, _stopping);
            }

            var now = _time.GetUtcNow();
            HeldSet? oldest = null;
            foreach (var set in _filling.Values)
            {
                if (oldest is null || set.Since < oldest.Since)
                {
                    oldest = set;
                }
            }

            if (oldest is null)
            {
                return (null, null, _stopping);
            }

            var left = oldest.Since + _options.MaxMergeDelay - now;
            if (flushing || left <= TimeSpan.Zero)
            {
                _filling.Remove(oldest.AccountId);
                return (oldest, null, _stopping);
            }

            return (null, left, _stopping);
        }
    }

    private async Task AllCommittedAsync()
    {
        while (true)
        {
            var committed = Volatile.Read(ref _committed).Task;
            if (Volatile.Read(ref _uncommitted) == 0)
            {
                return;
            }

            await committed.ConfigureAwait(false);
        }
    }

    /// <summary>Seals a set as one chunk under its own data key; null, and the set let go, when it must stay as committed.</summary>
    private MergedChunk? Merge(HeldSet set)
    {
        try
        {
            // Only while the account may still seal under the set's key: storing stopped (this throws) or another KMS key now,
            // and the committed chunks stay as they are. A newer data key of the same key (a new window or day) is no reason.
            var current = _dataKeys.ForSealing(set.AccountId);
            if (current.Reference != set.Key.Reference && current.KeyArn != set.Key.KeyArn)
            {
                return null;
            }

            var segments = set.Chunks.SelectMany(c => c.Segments).ToList();
            var chunk = BuildChunk(set.AccountId, set.Key, _indexKeys.TraceIndexKey(set.AccountId), segments, ChunkCodec.CompactQuality, _cipher);
            return new MergedChunk(chunk, [.. set.Chunks.Select(c => c.ChunkId)]);
        }
        catch (Exception)
        {
            // StoringStoppedException, or any failure to seal: the committed chunks are complete, and the writer goes on.
            return null;
        }
    }

    private void Commit(MergedChunk merge)
    {
        try
        {
            _store.Replace(merge.Chunk, merge.Replaced);
        }
        catch (Exception)
        {
            // Nothing changed: the committed chunks stay, complete, and no write waits on this.
        }
    }

    /// <summary>A committed chunk's plaintext, held to be merged.</summary>
    private sealed record HeldChunk(long ChunkId, string AccountId, DataKey Key, List<ChunkSegment> Segments);

    /// <summary>A merged chunk and the committed chunks it replaces.</summary>
    private sealed record MergedChunk(StoredChunk Chunk, List<long> Replaced) : SealedWork;

    /// <summary>An account's held chunks under one data key.</summary>
    private sealed class HeldSet(string accountId, DataKey key, DateTimeOffset since)
    {
        public string AccountId { get; } = accountId;

        public DataKey Key { get; } = key;

        public DateTimeOffset Since { get; } = since;

        public List<HeldChunk> Chunks { get; } = [];

        public int Segments { get; private set; }

        public void Add(HeldChunk chunk)
        {
            Chunks.Add(chunk);
            Segments += chunk.Segments.Count;
        }
    }
}
