namespace Tracevault.Storage.Traces;

/// <summary>One segment document inside a chunk, with the facts reads filter by.</summary>
/// <remarks>
/// A segment read back from a format 2 chunk has only its trace id and document; its id, state and times are read from the
/// document the first time they are asked for (most reads never ask). Safe to share between threads.
/// </remarks>
public sealed class ChunkSegment
{
    private SegmentFacts? _facts;

    /// <summary>A segment with its facts, as ingest found them.</summary>
    /// <param name="traceId">The trace id.</param>
    /// <param name="id">The segment id.</param>
    /// <param name="inProgress">Whether it is an in-progress document a complete one replaces.</param>
    /// <param name="startTime">Its start time, epoch seconds.</param>
    /// <param name="endTime">Its end time, or its start time while in progress.</param>
    /// <param name="document">The segment document as received, UTF-8 JSON.</param>
    public ChunkSegment(string traceId, string id, bool inProgress, double startTime, double endTime, ReadOnlyMemory<byte> document)
    {
        TraceId = traceId;
        Document = document;
        _facts = new SegmentFacts(id, inProgress, startTime, endTime);
    }

    /// <summary>A segment of a stored, validated document, whose facts are read from it when first asked for.</summary>
    internal ChunkSegment(string traceId, ReadOnlyMemory<byte> document)
    {
        TraceId = traceId;
        Document = document;
    }

    /// <summary>The trace id.</summary>
    public string TraceId { get; }

    /// <summary>The segment document as received, UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> Document { get; }

    /// <summary>The segment id.</summary>
    public string Id => Facts.Id;

    /// <summary>Whether it is an in-progress document a complete one replaces.</summary>
    public bool InProgress => Facts.InProgress;

    /// <summary>Its start time, epoch seconds.</summary>
    public double StartTime => Facts.StartTime;

    /// <summary>Its end time, or its start time while in progress.</summary>
    public double EndTime => Facts.EndTime;

    // Reading the facts twice on two threads gives the same facts: no lock needed.
    private SegmentFacts Facts => _facts ??= SegmentFacts.Read(Document.Span);
}
