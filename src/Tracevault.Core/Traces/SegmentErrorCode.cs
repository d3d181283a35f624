namespace Tracevault.Core.Traces;

/// <summary>Why a segment document was rejected; the member name is the <c>ErrorCode</c> sent on the wire.</summary>
public enum SegmentErrorCode
{
    /// <summary>The document is not a single, well-formed JSON object.</summary>
    InvalidJson,

    /// <summary>The document is larger than 64 KB.</summary>
    SegmentTooLarge,

    /// <summary>The document has no <c>id</c>.</summary>
    MissingId,

    /// <summary>The <c>id</c> is not 16 hexadecimal digits.</summary>
    InvalidId,

    /// <summary>The document has no <c>name</c>.</summary>
    MissingName,

    /// <summary>The <c>name</c> is empty, longer than 200 characters or has a character X-Ray does not allow.</summary>
    InvalidName,

    /// <summary>A segment has no <c>trace_id</c>.</summary>
    MissingTraceId,

    /// <summary>The <c>trace_id</c> is malformed, or its time is too old or too far in the future.</summary>
    InvalidTraceId,

    /// <summary>The document has no <c>start_time</c>.</summary>
    MissingStartTime,

    /// <summary>The <c>start_time</c> is not a positive, finite number, or lies further in the future than the allowed skew.</summary>
    InvalidStartTime,

    /// <summary>The <c>end_time</c> is not a number, precedes <c>start_time</c>, lies further in the future than the allowed skew, or comes with <c>in_progress: true</c>.</summary>
    InvalidEndTime,

    /// <summary>The document has neither <c>end_time</c> nor <c>in_progress: true</c>.</summary>
    MissingEndTime,

    /// <summary>An independent subsegment (<c>"type": "subsegment"</c>) lacks its <c>parent_id</c> or <c>trace_id</c>.</summary>
    InvalidSubsegment,

    /// <summary>The <c>parent_id</c> is not 16 hexadecimal digits.</summary>
    InvalidParentId,
}
