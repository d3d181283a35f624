using System.Collections.Concurrent;

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
    /// <summary>How many annotation keys' columns a range keeps (<see cref="AnnotationsOf"/>).</summary>
    private const int AnnotationColumnsKept = 16;

    private readonly TraceFacts[] _traces;
    private readonly ConcurrentDictionary<string, Lazy<TraceFactsAnnotationColumn>> _annotations = new(StringComparer.Ordinal);

    // The columns of the range this one was made again from (Update), and for each trace the index it had there or -1.
    private readonly IReadOnlyDictionary<string, TraceFactsAnnotationColumn>? _previousAnnotations;
    private readonly int[]? _previousTraces;

    private TraceFactsRange(IReadOnlyList<MinuteStatistics> minutes, TraceFacts[] traces, TraceFactsServices services, IReadOnlyDictionary<string, TraceFactsAnnotationColumn>? previousAnnotations = null, int[]? previousTraces = null)
    {
        Minutes = minutes;
        _traces = traces;
        Services = services;
        _previousAnnotations = previousAnnotations;
        _previousTraces = previousTraces;
    }

    /// <summary>The minutes it was made of.</summary>
    public IReadOnlyList<MinuteStatistics> Minutes { get; }

    /// <summary>The indexed traces, merged and resolved, in no particular order.</summary>
    public IReadOnlyList<TraceFacts> Traces => _traces;

    /// <summary>The traces' services, numbered, and their lists (by the index of a trace in <see cref="Traces"/>).</summary>
    public TraceFactsServices Services { get; }

    /// <summary>
    /// The values of annotation <paramref name="key"/> in each trace, found once per range and key when first asked for (a column the
    /// range this one was made again from had found is carried over for the traces it kept). Thread-safe.
    /// </summary>
    public TraceFactsAnnotationColumn AnnotationsOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);

        // A column is two ints and more per trace: a range keeps a few, and forgets them all rather than grow with every key asked.
        if (_annotations.Count >= AnnotationColumnsKept && !_annotations.ContainsKey(key))
        {
            _annotations.Clear();
        }

        return _annotations.GetOrAdd(key, k => new Lazy<TraceFactsAnnotationColumn>(() =>
            _previousAnnotations?.GetValueOrDefault(k) is { } previous
                ? TraceFactsAnnotationColumn.Of(_traces, k, previous, _previousTraces)
                : TraceFactsAnnotationColumn.Of(_traces, k))).Value;
    }

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
        var previous = new List<int>(_traces.Length + changed.Count);
        for (var i = 0; i < _traces.Length; i++)
        {
            if (!changed.Contains(_traces[i].Id))
            {
                traces.Add(_traces[i]);
                lists.Add(Services.ListOf(i));
                previous.Add(i);
            }
        }

        foreach (var facts in Merge(minutes, changed).Where(t => t.Flags.HasFlag(TraceFactsFlags.Indexed)))
        {
            traces.Add(facts);
            lists.Add(-1);
            previous.Add(-1);
        }

        // Only the columns found already are carried over: one not found yet is found from the traces, so ranges made again
        // and again never hold on to the ones before them.
        var found = _annotations.Where(a => a.Value.IsValueCreated).ToDictionary(a => a.Key, a => a.Value.Value, StringComparer.Ordinal);
        TraceFacts[] all = [.. traces];
        return new TraceFactsRange(minutes, all, TraceFactsServices.Of(all, Services, lists), found.Count > 0 ? found : null, found.Count > 0 ? [.. previous] : null);
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
