namespace Tracevault.Storage.Traces;

/// <summary>A chunk's plaintext header fields, without its sealed body: enough to plan a read.</summary>
/// <param name="Id">The chunk id.</param>
/// <param name="MinTime">The earliest time its segments cover, epoch seconds, rounded down to the minute.</param>
/// <param name="MaxTime">The latest, rounded up to the minute; never earlier than the date (<see cref="Tracevault.Core.Traces.TraceDates"/>) of any trace in it.</param>
/// <param name="DataKeyReference">The data key its body is sealed under.</param>
public sealed record ChunkHeader(long Id, long MinTime, long MaxTime, string DataKeyReference);
