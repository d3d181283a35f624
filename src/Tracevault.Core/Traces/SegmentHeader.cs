namespace Tracevault.Core.Traces;

/// <summary>The facts of a valid segment document that storage indexes it by.</summary>
/// <param name="TraceId">The trace id, <c>1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx</c>, in lowercase.</param>
/// <param name="Id">The segment or subsegment id, 16 lowercase hex digits.</param>
/// <param name="ParentId">The parent's id in lowercase, or <see langword="null"/> for a segment with no upstream caller.</param>
/// <param name="Name">The segment's name.</param>
/// <param name="IsIndependentSubsegment">Whether the document is a subsegment sent on its own (<c>"type": "subsegment"</c>).</param>
/// <param name="StartTime">The start time in epoch seconds.</param>
/// <param name="EndTime">The end time in epoch seconds, or <see langword="null"/> while the document is in progress.</param>
/// <param name="TraceIdTime">The time embedded in the trace id.</param>
/// <param name="DocumentLength">The document's size in UTF-8 bytes.</param>
public readonly record struct SegmentHeader(
    string TraceId,
    string Id,
    string? ParentId,
    string Name,
    bool IsIndependentSubsegment,
    double StartTime,
    double? EndTime,
    DateTimeOffset TraceIdTime,
    int DocumentLength)
{
    /// <summary>Whether the document is in progress (<c>in_progress: true</c>, no end time), so a complete one may replace it.</summary>
    public bool InProgress => EndTime is null;
}
