using System.Collections.Concurrent;
using Tracevault.Core.Identity;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay.Statistics;

/// <summary>
/// Finds every trace of a time range that a filter expression picks from the <see cref="TraceFacts"/> kept at ingest, without reading
/// the documents of more than the page it shows: what a response-time histogram of all of them, and a page of their summaries, need;
/// or tallies their requests per service and call, for a service map of only those traces.
/// </summary>
/// <remarks>
/// The facts are sealed with the statistics, under the chunks' data keys, and opened with the reader's right to each key. A trace whose
/// facts cannot answer the filter for certain (its parts arrived in several batches and the filter asks about calls or services, see
/// <see cref="TraceFactsCertainty"/>) is read whole instead, the newest <see cref="DocumentReadLimit"/> of them; older ones are counted
/// in <see cref="TraceFactsAnswer.NotCounted"/>. When the facts cannot answer at all — the filter needs documents, part of the range was
/// stored before facts were kept, or some of it cannot be opened by this reader — it answers <see langword="null"/> and the caller reads
/// documents as before (which names what it could not read). The page's traces are read and the filter tested on their documents too,
/// so a page never lists a trace that does not match.
/// </remarks>
public sealed class TraceFactsQuery
{
    /// <summary>The most traces one query reads whole because their facts cannot answer the filter for certain.</summary>
    public const int DocumentReadLimit = 5_000;

    /// <summary>How many traces one core tests at a time.</summary>
    private const int Slice = 16_384;

    /// <summary>How many ranges' merged facts are kept for reads that come back to them.</summary>
    private const int MergedRangesKept = 4;

    private readonly StatisticsReader _statistics;
    private readonly XRayQueryApi _queries;
    private readonly List<(TraceFactsRange Range, MergedTrace[] Traces)> _merged = [];

    /// <summary>Creates the query.</summary>
    public TraceFactsQuery(StatisticsReader statistics, XRayQueryApi queries)
    {
        _statistics = statistics;
        _queries = queries;
    }

    /// <summary>
    /// The facts of every trace dated in <c>[startTime, endTime)</c> that <paramref name="filter"/> (or none) picks, and the page of
    /// <paramref name="pageSize"/> summaries after <paramref name="after"/>, newest first; <see langword="null"/> when the facts cannot answer.
    /// </summary>
    public async Task<TraceFactsAnswer?> FindAsync(Caller caller, double startTime, double endTime, FilterExpression? filter, SummaryCursor? after, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var counted = await CountAsync(caller, startTime, endTime, filter, _ => new TraceFactsTally(pageSize + 1, after), cancellationToken).ConfigureAwait(false);
        if (counted is not { } found)
        {
            return null;
        }

        var (tally, notCounted, damage) = found;
        var page = await ReadPageAsync(caller, filter, tally, pageSize, damage, cancellationToken).ConfigureAwait(false);
        return new TraceFactsAnswer(tally, notCounted, page);
    }

    /// <summary>
    /// The requests of every trace dated in <c>[startTime, endTime)</c> that <paramref name="filter"/> (or none) picks, per service
    /// and call (<see cref="TraceFactsTally.Map"/>): a service map of those traces, and how many traces could not be counted (see
    /// <see cref="TraceFactsAnswer.NotCounted"/>); <see langword="null"/> when the facts cannot answer.
    /// </summary>
    public async Task<(TraceFactsTally Tally, int NotCounted)?> MapAsync(Caller caller, double startTime, double endTime, FilterExpression? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var counted = await CountAsync(caller, startTime, endTime, filter, range => new TraceFactsTally(0, null, range), cancellationToken).ConfigureAwait(false);
        return counted is { } found ? (found.Tally, found.NotCounted) : null;
    }

    /// <summary>Counts the range's traces into a tally made for the range's services, reading whole those whose facts cannot answer for certain (the newest of them).</summary>
    private async Task<(TraceFactsTally Tally, int NotCounted, ReadDamage Damage)?> CountAsync(Caller caller, double startTime, double endTime, FilterExpression? filter, Func<TraceFactsServices, TraceFactsTally> tallyFor, CancellationToken cancellationToken)
    {
        var use = filter?.FactsUse ?? FilterFactsUse.WithoutLinks;
        if (use == FilterFactsUse.Documents)
        {
            return null;
        }

        var from = (long)Math.Floor(startTime / 60) * 60;
        var to = (long)Math.Ceiling(endTime / 60) * 60;
        var read = await _statistics.ReadAsync(caller.AccountId, from, to, caller, cancellationToken).ConfigureAwait(false);
        if (read.Unreadable > 0 || read.Minutes.Any(m => !m.HasTraceFacts))
        {
            return null;
        }

        // Each trace tested on every core, each core tallying its own share; nothing as large as the range is made per read.
        var (range, merged) = Merged(read.Minutes);
        var tally = tallyFor(range.Services);
        if (merged.Length > 0)
        {
            Tally(range, merged, tally, startTime, endTime, filter, use, cancellationToken);
        }

        var notCounted = 0;
        var damage = new ReadDamage();
        if (tally.ToRead.Count > 0)
        {
            // Newest first, as a page reads: the traces the page shows are the ones counted for certain.
            tally.ToRead.Sort(TraceFactsTally.Compare);
            notCounted = Math.Max(0, tally.ToRead.Count - DocumentReadLimit);
            var ids = tally.ToRead.Take(DocumentReadLimit).Select(t => t.Facts.Id).ToList();
            foreach (var trace in await _queries.ReadTracesAsync(caller, ids, damage, cancellationToken).ConfigureAwait(false))
            {
                if (filter is null || filter.Matches(trace))
                {
                    var facts = TraceFacts.From(trace, indexed: true);
                    tally.Match(facts, TraceDates.Of(facts.Id, facts.StartTime));
                }
            }
        }

        return (tally, notCounted, damage);
    }

    /// <summary>Tests each trace of <paramref name="merged"/> on every core, each core tallying its own share into <paramref name="tally"/>.</summary>
    private static void Tally(TraceFactsRange range, MergedTrace[] merged, TraceFactsTally tally, double startTime, double endTime, FilterExpression? filter, FilterFactsUse use, CancellationToken cancellationToken)
    {
        // Facts stored before requests were kept cannot answer a sub-filter on them, nor tell a map what to draw.
        var requests = use == FilterFactsUse.WithRequests || tally.Map is not null;
        Parallel.ForEach(
            Partitioner.Create(0, merged.Length, Slice),
            new ParallelOptions { CancellationToken = cancellationToken },
            tally.Empty,
            (slice, _, own) =>
            {
                for (var i = slice.Item1; i < slice.Item2; i++)
                {
                    // Only the array is read until a trace is in range and answerable: the facts themselves are far apart in memory.
                    var (facts, date, certainty, mask, list) = merged[i];
                    if (date < startTime || date >= endTime)
                    {
                        continue;
                    }

                    own.InRange++;
                    if ((certainty != TraceFactsCertainty.Exact && (certainty != TraceFactsCertainty.LinksUnknown || use != FilterFactsUse.WithoutLinks || requests))
                        || (requests && !facts.HasRequests))
                    {
                        own.ToRead.Add((facts, date));
                    }
                    else if (filter is null || filter.Matches(range, i, facts, mask, list))
                    {
                        own.Match(facts, date, list);
                    }
                }

                return own;
            },
            own =>
            {
                lock (tally)
                {
                    tally.Merge(own);
                }
            });
    }

    /// <summary>
    /// The indexed traces of <paramref name="minutes"/> with their dates, each merged from its parts: kept for the next read that gets
    /// the very same minutes back (the reader shares the minutes it has opened, and makes new ones when rows are added or a key is
    /// lost), so paging and clicking through a range merges it once; and when a read shares most of its minutes with a kept range
    /// (rows added by ingest since, a range ending now moved on by a minute), only the traces with parts in the others are merged again.
    /// </summary>
    private (TraceFactsRange Range, MergedTrace[] Traces) Merged(IReadOnlyList<MinuteStatistics> minutes)
    {
        TraceFactsRange? closest = null;
        var shared = 0;
        lock (_merged)
        {
            foreach (var (kept, traces) in _merged)
            {
                if (kept.Minutes.Count == minutes.Count && kept.Minutes.Zip(minutes).All(pair => ReferenceEquals(pair.First, pair.Second)))
                {
                    return (kept, traces);
                }

                var count = kept.Shared(minutes);
                if (count > shared)
                {
                    (closest, shared) = (kept, count);
                }
            }
        }

        var range = closest is not null && shared * 2 >= minutes.Count ? closest.Update(minutes) : TraceFactsRange.Of(minutes);
        var services = range.Services;
        var merged = range.Traces.Select((t, i) => new MergedTrace(t, TraceDates.Of(t.Id, t.StartTime), t.Certainty, services.MaskOfList(services.ListOf(i)), services.ListOf(i))).ToArray();
        lock (_merged)
        {
            if (_merged.Count == MergedRangesKept)
            {
                _merged.RemoveAt(0);
            }

            _merged.Add((range, merged));
        }

        return (range, merged);
    }

    /// <summary>The page the tally kept: its first matches read whole and tested again on their documents.</summary>
    private async Task<SummaryPage> ReadPageAsync(Caller caller, FilterExpression? filter, TraceFactsTally tally, int pageSize, ReadDamage damage, CancellationToken cancellationToken)
    {
        var chosen = tally.First();
        var more = chosen.Count > pageSize;
        var ids = chosen.Take(pageSize).Select(c => c.Facts.Id).ToList();
        var traces = ids.Count == 0 ? [] : await _queries.ReadTracesAsync(caller, ids, damage, cancellationToken).ConfigureAwait(false);
        var summaries = traces.Where(t => filter is null || filter.Matches(t)).Select(TraceSummary.From).ToList();
        summaries.Sort(SummaryCursor.NewestFirst);
        var next = more ? new SummaryCursor(chosen[pageSize - 1].Date, chosen[pageSize - 1].Facts.StartTime, chosen[pageSize - 1].Facts.Id) : null;
        return new SummaryPage(summaries, tally.Matches, next) { Damaged = damage.Traces, Unreadable = damage.UnreadableKeys };
    }

    /// <summary>A trace of a merged range, with what a test reads first kept beside it (its date, certainty, service bits and the number of its list of services).</summary>
    private readonly record struct MergedTrace(TraceFacts Facts, long Date, TraceFactsCertainty Certainty, ulong Services, int List);
}
