namespace Tracevault.Storage.Traces;

/// <summary>A chunk that does not open as it was sealed (altered on disk): what its plaintext header says, and how much of it is lost.</summary>
/// <param name="ChunkId">The chunk id.</param>
/// <param name="AccountId">The account its segments belong to.</param>
/// <param name="MinTime">The earliest time its segments cover, epoch seconds.</param>
/// <param name="MaxTime">The latest, epoch seconds.</param>
/// <param name="DataKeyReference">The data key it is sealed under.</param>
/// <param name="Traces">
/// How many traces it holds that cannot be read (the blind index counts the chunk's traces; those of its frames that still open
/// are not lost); at least one.
/// </param>
/// <param name="Reason">Why it does not open: the failure's type and message (never data).</param>
public sealed record DamagedChunk(long ChunkId, string AccountId, long MinTime, long MaxTime, string DataKeyReference, int Traces, string Reason)
{
    /// <summary>How many frames its sealed directory lists; 0 when the directory itself does not open.</summary>
    public int Frames { get; init; }

    /// <summary>The frames (by position) that do not open; empty when the directory does not open (then nothing of it can be read).</summary>
    public IReadOnlyList<int> DamagedFrames { get; init; } = [];

    /// <summary>The id of the first trace of each damaged frame, as the directory names it: a trace known to be lost.</summary>
    public IReadOnlyList<string> DamagedFrameFirstTraceIds { get; init; } = [];
}
