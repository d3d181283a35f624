namespace Tracevault.Core.Traces;

/// <summary>Whether a trace entity is a segment (work done by one service) or a subsegment (a unit of work inside one).</summary>
public enum TraceEntityKind
{
    /// <summary>A segment: the work one service did for the request.</summary>
    Segment,

    /// <summary>A subsegment, nested in a segment or sent on its own with <c>"type": "subsegment"</c>.</summary>
    Subsegment,
}
