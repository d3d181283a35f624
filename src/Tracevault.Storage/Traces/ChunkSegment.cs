namespace Tracevault.Storage.Traces;

/// <summary>One segment document inside a chunk, with the facts reads filter by.</summary>
/// <param name="TraceId">The trace id.</param>
/// <param name="Id">The segment id.</param>
/// <param name="InProgress">Whether it is an in-progress document a complete one replaces.</param>
/// <param name="StartTime">Its start time, epoch seconds.</param>
/// <param name="EndTime">Its end time, or its start time while in progress.</param>
/// <param name="Document">The segment document as received, UTF-8 JSON.</param>
public sealed record ChunkSegment(string TraceId, string Id, bool InProgress, double StartTime, double EndTime, ReadOnlyMemory<byte> Document);
