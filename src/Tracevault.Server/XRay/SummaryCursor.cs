using System.Globalization;
using Tracevault.Core.Traces;

namespace Tracevault.Server.XRay;

/// <summary>Where a page of trace summaries ended, in their order: newest trace date first (<see cref="TraceDates"/>), then latest start, then id.</summary>
/// <param name="TraceTime">The second the last trace is dated in: its id's time, or for a W3C id its start.</param>
/// <param name="StartTime">The last trace's start time.</param>
/// <param name="Id">The last trace's id.</param>
public sealed record SummaryCursor(long TraceTime, double StartTime, string Id)
{
    /// <summary>The order summaries are answered in.</summary>
    public static readonly Comparison<TraceSummary> NewestFirst = (a, b) => Compare(From(a), From(b));

    /// <summary>The cursor after every trace dated at or after <paramref name="traceTime"/>: where a page that stopped reading there ends.</summary>
    public static SummaryCursor Before(long traceTime) => new(traceTime, double.NegativeInfinity, "");

    /// <summary>The cursor of a summary.</summary>
    public static SummaryCursor From(TraceSummary summary) => new(TraceDates.Of(summary.Id, summary.StartTime), summary.StartTime, summary.Id);

    /// <summary>Whether a trace dated <paramref name="traceTime"/> may come after this cursor: never one dated later, nor, after <see cref="Before"/>, one of the same second.</summary>
    public bool Admits(long traceTime) => traceTime < TraceTime || (traceTime == TraceTime && !double.IsNegativeInfinity(StartTime));

    /// <summary>Whether this summary comes after <paramref name="cursor"/> in the answer's order.</summary>
    public bool IsAfter(SummaryCursor cursor) => Compare(this, cursor) > 0;

    /// <summary>Reads a cursor written by <see cref="ToString"/>, or null when it is not one.</summary>
    public static SummaryCursor? Parse(string text)
    {
        var parts = text.Split(' ');
        return parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var time)
            && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var start)
            ? new SummaryCursor(time, start, parts[2])
            : null;
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{TraceTime} {StartTime:R} {Id}");

    /// <summary>
    /// The answer's order of two traces, each by its date (<see cref="TraceDates"/>), start and id: negative when the first comes
    /// first — newest date first, then latest start, then id.
    /// </summary>
    public static int Compare(long traceTime, double startTime, string id, long otherTraceTime, double otherStartTime, string otherId)
    {
        var order = otherTraceTime.CompareTo(traceTime);
        if (order == 0)
        {
            order = otherStartTime.CompareTo(startTime);
        }

        return order != 0 ? order : string.CompareOrdinal(id, otherId);
    }

    private static int Compare(SummaryCursor a, SummaryCursor b) => Compare(a.TraceTime, a.StartTime, a.Id, b.TraceTime, b.StartTime, b.Id);
}
