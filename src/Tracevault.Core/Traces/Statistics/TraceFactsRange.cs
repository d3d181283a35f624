namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// The indexed traces of a range of minutes' statistics, each merged from its parts (over every minute and key) and resolved, with
/// the range's services numbered (<see cref="TraceFactsServices"/>).
/// </summary>
/// <remarks>
/// A range read again after rows were added (live ingest), or moved by a minute (a range ending now), shares most of its minutes
/// with the one read before: <see cref="Update"/> merges again only the traces with parts in the minutes that changed, and keeps
/// the others as they were merged — a trace none of whose parts is in a changed minute merges to the same facts. Immutable.
/// </remarks>
public sealed class TraceFactsRange
{
    private readonly TraceFacts[] _traces;

    private TraceFactsRange(IReadOnlyList<MinuteStatistics> minutes, TraceFacts[] traces, TraceFactsServices services)
    {
        Minutes = minutes;
        _traces = traces;
        Services = services;
    }

    /// <summary>The minutes it was made of.</summary>
    public IReadOnlyList<MinuteStatistics> Minutes { get; }

    /// <summary>The indexed traces, merged and resolved, in no particular order.</summary>
    public IReadOnlyList<TraceFacts> Traces => _traces;

    /// <summary>The traces' services, numbered, and their lists (by the index of a trace in <see cref="Traces"/>).</summary>
    public TraceFactsServices Services { get; }

    /// <summary>The range of <paramref name="minutes"/>.</summary>
    public static TraceFactsRange Of(IReadOnlyList<MinuteStatistics> minutes)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        TraceFacts[] traces = [.. Merge(minutes, null).Where(t => t.Flags.HasFlag(TraceFactsFlags.Indexed))];
        return new TraceFactsRange(minutes, traces, TraceFactsServices.Of(traces));
    }

    /// <summary>How many of <paramref name="minutes"/> this range holds too (the very same objects).</summary>
    public int Shared(IReadOnlyList<MinuteStatistics> minutes)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        var mine = new HashSet<MinuteStatistics>(Minutes, ReferenceEqualityComparer.Instance);
        return minutes.Count(mine.Contains);
    }

    /// <summary>The range of <paramref name="minutes"/>, as <see cref="Of"/> makes it, merging again only the traces with parts in minutes this range and it do not share.</summary>
    public TraceFactsRange Update(IReadOnlyList<MinuteStatistics> minutes)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        var before = new HashSet<MinuteStatistics>(Minutes, ReferenceEqualityComparer.Instance);
        var now = new HashSet<MinuteStatistics>(minutes, ReferenceEqualityComparer.Instance);
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var minute in Minutes.Where(m => !now.Contains(m)).Concat(minutes.Where(m => !before.Contains(m))))
        {
            foreach (var facts in minute.Traces)
            {
                changed.Add(facts.Id);
            }
        }

        // The traces kept keep their lists' numbers too: numbering a list again means hashing its services, and there is a list
        // per batch (or per merged trace).
        var traces = new List<TraceFacts>(_traces.Length + changed.Count);
        var lists = new List<int>(_traces.Length + changed.Count);
        for (var i = 0; i < _traces.Length; i++)
        {
            if (!changed.Contains(_traces[i].Id))
            {
                traces.Add(_traces[i]);
                lists.Add(Services.ListOf(i));
            }
        }

        foreach (var facts in Merge(minutes, changed).Where(t => t.Flags.HasFlag(TraceFactsFlags.Indexed)))
        {
            traces.Add(facts);
            lists.Add(-1);
        }

        TraceFacts[] all = [.. traces];
        return new TraceFactsRange(minutes, all, TraceFactsServices.Of(all, Services, lists));
    }

    /// <summary>The parts of each trace (of those named in <paramref name="only"/>, or all), over every minute and key, merged into one and resolved.</summary>
    private static Dictionary<string, TraceFacts>.ValueCollection Merge(IReadOnlyList<MinuteStatistics> minutes, HashSet<string>? only)
    {
        var byId = new Dictionary<string, TraceFacts>(only?.Count ?? minutes.Sum(m => m.Traces.Count), StringComparer.Ordinal);
        foreach (var minute in minutes)
        {
            foreach (var facts in minute.Traces)
            {
                if (only is null || only.Contains(facts.Id))
                {
                    byId[facts.Id] = byId.TryGetValue(facts.Id, out var earlier) ? TraceFacts.Merge(earlier, facts) : facts;
                }
            }
        }

        foreach (var (id, facts) in byId)
        {
            if (facts.Unlinked.Count > 0 || facts.Orphans.Count > 0)
            {
                byId[id] = facts.Resolve();
            }
        }

        return byId.Values;
    }
}
