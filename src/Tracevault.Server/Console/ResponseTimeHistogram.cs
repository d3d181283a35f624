using System.Globalization;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Server.Console;

/// <summary>The response-time histogram of the Traces page: the traces per bucket of <see cref="ResponseTimeBuckets"/>, each bar a link narrowing the filter to it, drawn as SVG.</summary>
/// <remarks>
/// A bar holds the response times above the bucket before's upper bound and not above its own (as the kept statistics count them),
/// so its filter is <c>responsetime &gt; a AND responsetime &lt;= b</c>. Not thread-safe.
/// </remarks>
public sealed class ResponseTimeHistogram
{
    private const double Width = 900;
    private const double RowHeight = 26;
    private const double LabelWidth = 150;
    private const double BarWidth = 420;

    private readonly long[] _counts = new long[ResponseTimeBuckets.Count];
    private readonly long[,] _outcomes = new long[ResponseTimeBuckets.Count, 4];

    /// <summary>Whether each bar's counts per outcome are known (read from traces), not only its total (kept statistics).</summary>
    public bool HasOutcomes { get; private set; }

    /// <summary>The traces counted.</summary>
    public long Total => _counts.Sum();

    /// <summary>The traces counted with outcome <paramref name="outcome"/> (0 ok, 1 error, 2 fault, 3 throttle), over every bar.</summary>
    public long Outcome(int outcome)
    {
        var total = 0L;
        for (var i = 0; i < ResponseTimeBuckets.Count; i++)
        {
            total += _outcomes[i, outcome];
        }

        return total;
    }

    /// <summary>A histogram of the entry requests of the kept statistics (their counts per bar, without outcomes).</summary>
    public static ResponseTimeHistogram FromStatistics(StatisticsTally entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var histogram = new ResponseTimeHistogram();
        for (var i = 0; i < ResponseTimeBuckets.Count; i++)
        {
            histogram._counts[i] = entries.Histogram[i];
        }

        return histogram;
    }

    /// <summary>A histogram of a service graph's response-time entries, each counted in the bucket of its value (exact for the kept statistics' own buckets).</summary>
    public static ResponseTimeHistogram FromEntries(IEnumerable<Core.Traces.Graphs.HistogramEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var histogram = new ResponseTimeHistogram();
        foreach (var entry in entries)
        {
            histogram._counts[ResponseTimeBuckets.IndexOf(entry.Value)] += entry.Count;
        }

        return histogram;
    }

    /// <summary>A histogram of trace summaries, each counted by its response time and outcome (fault, else throttle, else error, else ok); one without a response time is left out.</summary>
    public static ResponseTimeHistogram FromSummaries(IEnumerable<TraceSummary> summaries)
    {
        ArgumentNullException.ThrowIfNull(summaries);
        var histogram = new ResponseTimeHistogram { HasOutcomes = true };
        foreach (var summary in summaries)
        {
            if (summary.ResponseTime is not { } time)
            {
                continue;
            }

            var bucket = ResponseTimeBuckets.IndexOf(time);
            histogram._counts[bucket]++;
            histogram._outcomes[bucket, summary.HasFault ? 2 : summary.HasThrottle ? 3 : summary.HasError ? 1 : 0]++;
        }

        return histogram;
    }

    /// <summary>A histogram of traces counted per bucket and outcome (0 ok, 1 error, 2 fault, 3 throttle), as <see cref="FromSummaries"/> counts them.</summary>
    public static ResponseTimeHistogram FromOutcomes(long[,] outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var histogram = new ResponseTimeHistogram { HasOutcomes = true };
        for (var i = 0; i < ResponseTimeBuckets.Count; i++)
        {
            for (var outcome = 0; outcome < 4; outcome++)
            {
                histogram._outcomes[i, outcome] = outcomes[i, outcome];
                histogram._counts[i] += outcomes[i, outcome];
            }
        }

        return histogram;
    }

    /// <summary>The filter expression of bucket <paramref name="bucket"/>'s traces, narrowing <paramref name="filter"/> when there is one.</summary>
    public static string FilterFor(int bucket, string filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var own = Bounds(bucket);
        return string.IsNullOrWhiteSpace(filter) ? own : "(" + filter + ") AND " + own;
    }

    /// <summary>The test of bucket <paramref name="bucket"/>'s response times, e.g. <c>responsetime &gt; 0.02 AND responsetime &lt;= 0.05</c>.</summary>
    public static string Bounds(int bucket)
    {
        var bounds = ResponseTimeBuckets.UpperBounds;
        var parts = new List<string>();
        if (bucket > 0)
        {
            parts.Add("responsetime > " + bounds[bucket - 1].ToString(CultureInfo.InvariantCulture));
        }

        if (bucket < bounds.Count - 1)
        {
            parts.Add("responsetime <= " + bounds[bucket].ToString(CultureInfo.InvariantCulture));
        }

        return string.Join(" AND ", parts);
    }

    /// <summary>The bars from the fastest to the slowest bucket with traces (the empty ones between drawn empty), each a link to the Traces page with <paramref name="filterFor"/>'s filter of its bucket.</summary>
    public TrustedHtml Render(IQueryCollection query, Func<int, string> filterFor, TrustedHtml caption, string id = "histogram")
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(filterFor);
        var html = new HtmlWriter();
        var used = Enumerable.Range(0, _counts.Length).Where(i => _counts[i] > 0).ToList();
        if (used.Count == 0)
        {
            return html.Append($"<section class=\"panel histogram\" id=\"{id}\"><h2>Response time</h2>{caption}<p class=\"empty\">No completed traces.</p></section>").ToHtml();
        }

        var (first, last) = (used[0], used[^1]);
        var most = used.Max(i => _counts[i]);
        var height = ((last - first + 1) * RowHeight) + 8;
        html.Append($"""
            <section class="panel histogram" id="{id}">
            <h2>Response time</h2>
            {caption}
            <svg class="response-times" id="response-times" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {Width:0} {height:0}" width="{Width:0}" height="{height:0}" role="img" aria-label="Response-time histogram">
            """);
        for (var i = first; i <= last; i++)
        {
            var y = ((i - first) * RowHeight) + 4;
            var length = _counts[i] == 0 ? 0 : Math.Max(2, BarWidth * _counts[i] / most);
            var outcomes = HasOutcomes
                ? $"ok {Count(_outcomes[i, 0])} · error {Count(_outcomes[i, 1])} · fault {Count(_outcomes[i, 2])} · throttle {Count(_outcomes[i, 3])}"
                : "";
            var href = ConsoleNavigation.Link("/console/traces", query, new KeyValuePair<string, string?>("filter", filterFor(i)));
            html.Append($"""
                <a class="bar-link" href="{href}">
                <g class="bar" data-bucket="{i}" data-count="{_counts[i]}" data-ok="{_outcomes[i, 0]}" data-error="{_outcomes[i, 1]}" data-fault="{_outcomes[i, 2]}" data-throttle="{_outcomes[i, 3]}">
                <title>{Label(i)}: {Count(_counts[i])} traces</title>
                <text class="bar-label" x="{LabelWidth - 8:0}" y="{y + 16:0}" text-anchor="end">{Label(i)}</text>
                <rect class="bar-hit" x="0" y="{y:0}" width="{Width:0}" height="{RowHeight - 2:0}"></rect>
                <rect class="bar-fill" x="{LabelWidth:0}" y="{y + 3:0}" width="{length:0.#}" height="{RowHeight - 8:0}"></rect>
                <text class="bar-count" x="{LabelWidth + length + 6:0.#}" y="{y + 16:0}">{Count(_counts[i])}</text>
                <text class="bar-outcomes" x="{LabelWidth + BarWidth + 60:0}" y="{y + 16:0}">{outcomes}</text>
                </g>
                </a>
                """);
        }

        html.Append($"</svg></section>");
        return html.ToHtml();
    }

    private static string Count(long value) => ConsoleFormat.Count(value);

    private static string Label(int bucket)
    {
        var bounds = ResponseTimeBuckets.UpperBounds;
        return bucket == 0 ? "≤ " + ConsoleFormat.Duration(bounds[0])
            : bucket == bounds.Count - 1 ? "> " + ConsoleFormat.Duration(bounds[bucket - 1])
            : ConsoleFormat.Duration(bounds[bucket - 1]) + " – " + ConsoleFormat.Duration(bounds[bucket]);
    }
}
