namespace Tracevault.Storage.Traces;

/// <summary>A trace as a newest-first read gives it: whole, with the second it is dated in.</summary>
/// <param name="TraceId">The trace id.</param>
/// <param name="Date">The second it is dated in (<see cref="Tracevault.Core.Traces.TraceDates"/>), epoch seconds.</param>
/// <param name="Segments">Its segments.</param>
public sealed record DatedTrace(string TraceId, long Date, List<ChunkSegment> Segments);
