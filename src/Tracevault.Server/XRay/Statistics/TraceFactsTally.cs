using System.Runtime.CompilerServices;
using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Server.XRay.Statistics;

/// <summary>
/// What <see cref="TraceFactsQuery"/> counts of the traces it is shown: how many are in the range and match, the matches by response
/// time and outcome, and the first of them in the answer's order after a cursor — without keeping the matches themselves.
/// </summary>
/// <remarks>Not thread-safe: each core keeps its own, and they are <see cref="Merge"/>d.</remarks>
public sealed class TraceFactsTally
{
    private readonly int _keep;
    private readonly SummaryCursor? _after;
    private readonly TraceFactsServices? _mapOf;
    private readonly PriorityQueue<(TraceFacts Facts, long Date), (TraceFacts Facts, long Date)> _first;

    /// <summary>
    /// A tally keeping the first <paramref name="keep"/> matches after <paramref name="after"/> (from the start without one), and with
    /// <paramref name="mapOf"/> (the services of the range counted) the requests of every match (<see cref="Map"/>).
    /// </summary>
    public TraceFactsTally(int keep, SummaryCursor? after, TraceFactsServices? mapOf = null)
    {
        _keep = keep;
        _after = after;
        _mapOf = mapOf;
        Map = mapOf is null ? null : new TraceFactsMapTally(mapOf);
        // The top of the queue is the latest kept in the answer's order: the one a match earlier than it replaces.
        _first = new(keep + 1, Comparer<(TraceFacts Facts, long Date)>.Create((a, b) => Compare(b, a)));
    }

    /// <summary>The traces of the range, matching or not.</summary>
    public int InRange { get; set; }

    /// <summary>The traces that match.</summary>
    public int Matches { get; private set; }

    /// <summary>The matches with a response time, per bucket of <see cref="ResponseTimeBuckets"/> and outcome (0 ok, 1 error, 2 fault, 3 throttle).</summary>
    public long[,] Outcomes { get; } = new long[ResponseTimeBuckets.Count, 4];

    /// <summary>The requests of the matches per service and call, when asked for.</summary>
    public TraceFactsMapTally? Map { get; }

    /// <summary>An empty tally that keeps what this one keeps (for another core's share).</summary>
    public TraceFactsTally Empty() => new(_keep, _after, _mapOf);

    /// <summary>The traces the facts could not answer for, to be read whole.</summary>
    public List<(TraceFacts Facts, long Date)> ToRead { get; } = [];

    /// <summary>Counts a matching trace; <paramref name="list"/> is the number of its list of services in the range, or -1 (<see cref="TraceFactsMapTally.Add"/>).</summary>
    // Optimized at once: the first query of a range runs it for every match, before a quicker-compiled first version would be
    // replaced.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Match(TraceFacts facts, long date, int list = -1)
    {
        Matches++;
        if (facts.ResponseTime is { } time)
        {
            var flags = facts.Flags;
            Outcomes[ResponseTimeBuckets.IndexOf(time), flags.HasFlag(TraceFactsFlags.Fault) ? 2 : flags.HasFlag(TraceFactsFlags.Throttle) ? 3 : flags.HasFlag(TraceFactsFlags.Error) ? 1 : 0]++;
        }

        Map?.Add(facts, list);
        Keep((facts, date));
    }

    /// <summary>Adds another core's tally to this one.</summary>
    public void Merge(TraceFactsTally other)
    {
        ArgumentNullException.ThrowIfNull(other);
        InRange += other.InRange;
        Matches += other.Matches;
        for (var i = 0; i < ResponseTimeBuckets.Count; i++)
        {
            for (var outcome = 0; outcome < 4; outcome++)
            {
                Outcomes[i, outcome] += other.Outcomes[i, outcome];
            }
        }

        ToRead.AddRange(other.ToRead);
        if (other.Map is not null)
        {
            Map?.Merge(other.Map);
        }

        foreach (var (kept, _) in other._first.UnorderedItems)
        {
            Keep(kept);
        }
    }

    /// <summary>The first kept matches, in the answer's order.</summary>
    public List<(TraceFacts Facts, long Date)> First()
    {
        var first = _first.UnorderedItems.Select(i => i.Element).ToList();
        first.Sort(Compare);
        return first;
    }

    /// <summary>The answer's order, as <see cref="SummaryCursor.NewestFirst"/>: negative when <paramref name="a"/> comes first.</summary>
    public static int Compare((TraceFacts Facts, long Date) a, (TraceFacts Facts, long Date) b) =>
        SummaryCursor.Compare(a.Date, a.Facts.StartTime, a.Facts.Id, b.Date, b.Facts.StartTime, b.Facts.Id);

    private void Keep((TraceFacts Facts, long Date) match)
    {
        if (_after is not null && !IsAfter(match, _after))
        {
            return;
        }

        if (_first.Count < _keep)
        {
            _first.Enqueue(match, match);
        }
        else if (_keep > 0 && Compare(match, _first.Peek()) < 0)
        {
            _first.DequeueEnqueue(match, match);
        }
    }

    /// <summary>Whether a trace comes after <paramref name="cursor"/> in the answer's order (as <see cref="SummaryCursor.IsAfter"/>, without making a cursor of it).</summary>
    private static bool IsAfter((TraceFacts Facts, long Date) trace, SummaryCursor cursor) =>
        SummaryCursor.Compare(trace.Date, trace.Facts.StartTime, trace.Facts.Id, cursor.TraceTime, cursor.StartTime, cursor.Id) > 0;
}
