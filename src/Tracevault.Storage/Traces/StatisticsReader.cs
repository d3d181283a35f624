using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Tracevault.Core.Identity;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>Reads the sealed per-minute statistics of a time range for a caller, opening them with the chunks' data keys.</summary>
/// <remarks>
/// A minute whose key the caller may not use, whose key can no longer be opened, or that does not open as sealed is counted in
/// <see cref="StatisticsRead.Unreadable"/> and left out; it never fails the read. Each chunk's row is opened once: the reader keeps,
/// in memory only, every minute's rows summed per data key, and a later read loads and opens only the rows written since (a row
/// of a chunk retention deleted makes it open that minute again). Every read still asks the key source for each data key, so a
/// caller without <c>kms:Decrypt</c> on a key, or a key disabled or deleted meanwhile, gets nothing of what it sealed. The reader keeps
/// each minute's list of rows too, with the minute's mark (<see cref="IStatisticsStore.FindStatisticsMarksAsync"/>), and lists again
/// only the minutes whose marks changed: a long range is tens of thousands of rows. Thread-safe;
/// the minutes a read answers are shared with other reads and never changed.
/// </remarks>
public sealed partial class StatisticsReader
{
    /// <summary>The most minutes (of all accounts) the reader keeps opened; when full, it starts again empty.</summary>
    public const int OpenedMinutesLimit = 100_000;

    private readonly IStatisticsStore _store;
    private readonly IDataKeySource _dataKeys;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string AccountId, long Minute), OpenedMinute> _opened = new();
    private readonly ConcurrentDictionary<(string AccountId, long Minute), (StatisticsMinuteMark Mark, StoredStatistics[] Rows)> _listed = new();

    /// <summary>Creates the reader; <paramref name="logger"/> hears of damaged statistics.</summary>
    public StatisticsReader(IStatisticsStore store, IDataKeySource dataKeys, ILogger logger)
    {
        _store = store;
        _dataKeys = dataKeys;
        _logger = logger;
    }

    /// <summary>The statistics of the minutes in <c>[fromMinute, toMinute)</c> the caller can open, one per minute and data key.</summary>
    public async Task<StatisticsRead> ReadAsync(string accountId, long fromMinute, long toMinute, Caller reader, CancellationToken cancellationToken)
    {
        var stored = await ListAsync(accountId, fromMinute, toMinute, cancellationToken).ConfigureAwait(false);
        var keys = new Dictionary<string, DataKey?>(StringComparer.Ordinal);
        var unusable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in stored.Select(s => s.DataKeyReference).Distinct(StringComparer.Ordinal))
        {
            try
            {
                keys[reference] = _dataKeys.ForOpening(accountId, reference, reader);
            }
            catch (DataKeyAccessException exception)
            {
                // Disabled, pending deletion, or no kms:Decrypt for this caller: these minutes are unreadable, the rest are answered.
                keys[reference] = null;
                if (!exception.AccessDenied)
                {
                    unusable.Add(reference);
                }
            }
        }

        var minutes = new List<MinuteStatistics>();
        var unreadable = 0;
        foreach (var group in stored.GroupBy(s => s.Minute))
        {
            var rows = group.ToList();
            var opened = _opened.GetValueOrDefault((accountId, group.Key)) ?? OpenedMinute.Empty;
            if (opened.Chunks.Count > 0 && !opened.Chunks.Keys.ToHashSet().IsSubsetOf(rows.Select(r => r.ChunkId)))
            {
                // A chunk whose row was summed is gone (retention): sum this minute again from what is stored now.
                rows = [.. await _store.FindStatisticsAsync(accountId, group.Key, group.Key + 60, static (_, _) => true, cancellationToken).ConfigureAwait(false)];
                opened = OpenedMinute.Empty;
            }
            else if (rows.Any(r => r.SealedBody.Length == 0 && !opened.Chunks.ContainsKey(r.ChunkId) && keys.GetValueOrDefault(r.DataKeyReference) is not null))
            {
                // A row came without its body and is not summed (the reader started again empty, its key could not be used when it
                // was listed, or it did not open): the minute again, with the bodies of the rows not summed.
                var summed = opened;
                rows = [.. await _store.FindStatisticsAsync(accountId, group.Key, group.Key + 60, (chunkId, _) => !summed.Chunks.ContainsKey(chunkId), cancellationToken).ConfigureAwait(false)];
            }

            // Opening a row is decrypting and decoding it: the first read of a long range opens thousands, on every core.
            var toOpen = rows.Where(r => !opened.Chunks.ContainsKey(r.ChunkId) && keys.GetValueOrDefault(r.DataKeyReference) is not null).ToList();
            var openedRows = new MinuteStatistics?[toOpen.Count];
            var failures = new string?[toOpen.Count];
            Parallel.For(0, toOpen.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                try
                {
                    openedRows[i] = StatisticsCodec.Open(toOpen[i], keys[toOpen[i].DataKeyReference]!);
                }
                catch (Exception exception) when (exception is CryptographicException or InvalidDataException)
                {
                    failures[i] = exception.GetType().Name;
                }
            });
            var fresh = new List<(long ChunkId, string Reference, MinuteStatistics Statistics)>(toOpen.Count);
            for (var i = 0; i < toOpen.Count; i++)
            {
                if (openedRows[i] is { } statistics)
                {
                    fresh.Add((toOpen[i].ChunkId, toOpen[i].DataKeyReference, statistics));
                }
                else
                {
                    unreadable++;
                    LogDamaged(_logger, toOpen[i].ChunkId, accountId, toOpen[i].Minute, failures[i]!);
                }
            }

            var next = fresh.Count == 0 ? opened : opened.With(group.Key, fresh);
            foreach (var reference in unusable.Where(next.ByKey.ContainsKey))
            {
                // The key can no longer open what it sealed: what was opened under it is not kept either.
                next = next.Without(reference);
            }

            if (!ReferenceEquals(next, opened))
            {
                Keep(accountId, group.Key, next);
            }

            foreach (var reference in rows.Select(r => r.DataKeyReference).Distinct(StringComparer.Ordinal))
            {
                if (keys.GetValueOrDefault(reference) is null)
                {
                    unreadable += rows.Count(r => r.DataKeyReference == reference);
                }
                else if (next.ByKey.TryGetValue(reference, out var sum))
                {
                    minutes.Add(sum);
                }
            }
        }

        return new StatisticsRead(minutes, unreadable);
    }

    /// <summary>
    /// The rows of the range, with the bodies of those not opened yet; a minute whose mark is the one it had when last listed is not
    /// listed again (its rows come without bodies: those not opened then make the read list that minute again, with them).
    /// </summary>
    private async Task<List<StoredStatistics>> ListAsync(string accountId, long fromMinute, long toMinute, CancellationToken cancellationToken)
    {
        var marks = await _store.FindStatisticsMarksAsync(accountId, fromMinute, toMinute, cancellationToken).ConfigureAwait(false);
        var rows = new List<StoredStatistics>();
        var changed = new List<long>();
        var markOf = new Dictionary<long, StatisticsMinuteMark>(marks.Count);
        foreach (var mark in marks)
        {
            markOf[mark.Minute] = mark;
            if (_listed.TryGetValue((accountId, mark.Minute), out var listed) && listed.Mark == mark)
            {
                rows.AddRange(listed.Rows);
            }
            else
            {
                changed.Add(mark.Minute);
            }
        }

        if (changed.Count == 0)
        {
            return rows;
        }

        // The changed minutes in one listing (a live range's are its last few); any unchanged ones between are listed again with them.
        var (from, to) = (changed[0], changed[^1] + 60);
        var fresh = await _store.FindStatisticsAsync(accountId, from, to, (chunkId, minute) => !IsOpened(accountId, chunkId, minute), cancellationToken).ConfigureAwait(false);
        rows.RemoveAll(r => r.Minute >= from && r.Minute < to);
        rows.AddRange(fresh);
        // Each listing is kept with the mark read before it: a row written between the two is in the listing but not in the
        // mark, so the next read finds the mark changed and lists the minute again (never the other way round). A minute with no
        // mark then (its first rows came in between) is not kept.
        foreach (var minute in fresh.GroupBy(r => r.Minute))
        {
            if (!markOf.TryGetValue(minute.Key, out var mark))
            {
                continue;
            }

            if (_listed.Count >= OpenedMinutesLimit)
            {
                _listed.Clear();
            }

            _listed[(accountId, minute.Key)] = (mark, [.. minute.Select(r => r with { SealedBody = [] })]);
        }

        rows.Sort((a, b) => a.Minute != b.Minute ? a.Minute.CompareTo(b.Minute) : a.ChunkId.CompareTo(b.ChunkId));
        return rows;
    }

    private bool IsOpened(string accountId, long chunkId, long minute) =>
        _opened.TryGetValue((accountId, minute), out var opened) && opened.Chunks.ContainsKey(chunkId);

    private void Keep(string accountId, long minute, OpenedMinute opened)
    {
        if (_opened.Count >= OpenedMinutesLimit)
        {
            _opened.Clear();
        }

        _opened[(accountId, minute)] = opened;
    }

    [LoggerMessage(EventId = 420, Level = LogLevel.Error, Message = "The statistics of chunk {ChunkId} of account {AccountId} for minute {Minute} do not open as sealed ({Reason}); statistics reads skip them and count them as unreadable")]
    private static partial void LogDamaged(ILogger logger, long chunkId, string accountId, long minute, string reason);
}
