namespace Tracevault.Core.Traces;

/// <summary>
/// When a trace is dated: X-Ray's "trace start time". An X-Ray trace id carries it (its first 8 hex digits); a W3C trace id, as
/// OpenTelemetry SDKs make them, is random there, so such a trace is dated by the earliest start time of its spans instead.
/// </summary>
/// <remarks>
/// An id is taken to carry the trace's time when that time lies within <see cref="IdWindowSeconds"/> of the earliest start time
/// of the trace's segments, as every X-Ray id does (it is made when the trace's first segment starts, and X-Ray refuses ids more
/// than a day ahead). A random id falls in that window about once in 25,000 traces; it is then dated at most a day from its spans.
/// </remarks>
public static class TraceDates
{
    /// <summary>How far a trace id's time may lie from its earliest segment start and still date the trace: one day, in seconds.</summary>
    public const long IdWindowSeconds = 86_400;

    /// <summary>The second a trace is dated in, given its earliest segment start time (epoch seconds).</summary>
    public static long Of(string traceId, double earliestStart) => Of(TraceIds.EpochSeconds(traceId), earliestStart);

    /// <summary>The second a trace is dated in, given the time its id carries and its earliest segment start time (epoch seconds).</summary>
    public static long Of(long idSeconds, double earliestStart)
    {
        var start = (long)Math.Floor(earliestStart);
        return IsIdDated(idSeconds, start) ? idSeconds : start;
    }

    /// <summary>Whether a trace whose id carries <paramref name="idSeconds"/> and whose earliest segment starts in <paramref name="startSecond"/> is dated by its id.</summary>
    public static bool IsIdDated(long idSeconds, long startSecond) => Math.Abs(idSeconds - startSecond) <= IdWindowSeconds;
}
