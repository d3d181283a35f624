namespace Tracevault.Benchmarks.Load;

/// <summary>
/// What the store holds of the traces a phase sent, read back after the run with BatchGetTraces: traces found, traces found
/// whole (every segment sent), and segments stored (the documents returned, inferred ones not counted).
/// </summary>
/// <param name="Traces">The traces the phase sent.</param>
/// <param name="TracesFound">Those BatchGetTraces returned.</param>
/// <param name="TracesWhole">Those returned with every segment sent.</param>
/// <param name="SegmentsSent">The segments the phase sent.</param>
/// <param name="SegmentsStored">The segments the store returned for them.</param>
/// <param name="SegmentsInWindow">Of those, the segments of traces dated inside the window asked for, or 0 when none was.</param>
internal sealed record StoredCount(long Traces, long TracesFound, long TracesWhole, long SegmentsSent, long SegmentsStored, long SegmentsInWindow)
{
    /// <summary>Adds the counts of two reads.</summary>
    public static StoredCount operator +(StoredCount a, StoredCount b) => new(
        a.Traces + b.Traces, a.TracesFound + b.TracesFound, a.TracesWhole + b.TracesWhole, a.SegmentsSent + b.SegmentsSent, a.SegmentsStored + b.SegmentsStored, a.SegmentsInWindow + b.SegmentsInWindow);

    /// <summary>Nothing read yet.</summary>
    public static StoredCount None { get; } = new(0, 0, 0, 0, 0, 0);
}
