namespace Tracevault.Storage.Traces;

/// <summary>
/// The values chunk format 4 takes out of a segment document's text and stores in binary columns beside it; each leaves one byte in
/// the text where it stood, a control character no JSON document holds.
/// </summary>
/// <remarks>
/// Ids, request ids and times are what zstd cannot compress in a segment's text (random hex, the low digits of times): written as
/// bytes and offsets they take half the bytes, and the text left compresses better (a frame of the corpus: 110 → 86 bytes per segment).
/// The text is not parsed: a value is replaced only where its exact bytes can be written back, so every document returns byte for byte.
/// </remarks>
internal enum SegmentField : byte
{
    /// <summary><c>"id":"…"</c>, 16 lowercase hex digits: 8 bytes in the id column.</summary>
    Id = 1,

    /// <summary><c>"parent_id":"…"</c>, 16 lowercase hex digits: the position of that id in the frame's id column, or the 8 bytes when it is not there.</summary>
    ParentId = 2,

    /// <summary><c>"trace_id":"…"</c> equal to the id of the trace the document is stored under: nothing in a column.</summary>
    TraceId = 3,

    /// <summary><c>"request_id":"…"</c>, a UUID in uppercase hex: 16 bytes in the UUID column.</summary>
    UpperUuid = 4,

    /// <summary><c>"request_id":"…"</c>, a UUID in lowercase hex: 16 bytes in the UUID column.</summary>
    LowerUuid = 5,

    /// <summary><c>"start_time":…</c>, epoch seconds (10 digits, up to 6 decimals): its offset from the frame's previous start time.</summary>
    StartTime = 6,

    /// <summary><c>"end_time":…</c>, as a start time: its offset from the frame's latest start time.</summary>
    EndTime = 7,
}
