namespace Tracevault.Storage.Traces;

/// <summary>The outcome of opening every frame of one chunk.</summary>
/// <param name="Damage">What is damaged, or null when the chunk opens whole.</param>
/// <param name="ReadableTraceIds">The ids of the traces in the frames that open, in ordinal order.</param>
public sealed record ChunkCheck(DamagedChunk? Damage, IReadOnlyList<string> ReadableTraceIds);
