namespace Tracevault.Storage.Traces;

/// <summary>A chunk body's frames, as its sealed directory gives them.</summary>
/// <param name="DictionaryId">The compression dictionary its frames were compressed with; 0 for none.</param>
/// <param name="Frames">Its frames, in order of trace id.</param>
internal sealed record ChunkDirectory(long DictionaryId, IReadOnlyList<ChunkFrame> Frames)
{
    /// <summary>The key its frames open with (a format 5 chunk's own key, the data key before), or null when it was not opened from a sealed directory.</summary>
    public byte[]? PartKey { get; init; }
}

/// <summary>One sealed frame of a chunk body.</summary>
/// <param name="Offset">Where it begins in the sealed body.</param>
/// <param name="Length">Its sealed length.</param>
/// <param name="FirstTraceId">The id of its first trace (its traces come in ordinal order of id).</param>
/// <param name="FirstSecond">The earliest second its traces are dated in (<see cref="Tracevault.Core.Traces.TraceDates"/>), epoch seconds; the chunk's earliest time when the directory does not say.</param>
/// <param name="LastSecond">The latest, likewise; the chunk's latest time when the directory does not say.</param>
internal readonly record struct ChunkFrame(int Offset, int Length, string FirstTraceId, long FirstSecond, long LastSecond);
