namespace Tracevault.Storage.Traces;

/// <summary>What a reader learnt of a damaged chunk: the report, which trace ids its damaged frames hold, and which frames still open.</summary>
/// <param name="Report">The damage as reported.</param>
/// <param name="Ranges">Per damaged frame, its trace ids as a range <c>[From, To)</c> (<c>To</c> null: to the end); null when the directory does not open.</param>
/// <param name="GoodFrames">The frames that still open.</param>
internal sealed record ChunkDamage(DamagedChunk Report, IReadOnlyList<(string From, string? To)>? Ranges, IReadOnlyList<int> GoodFrames)
{
    /// <summary>Whether a trace the blind index places in this chunk is lost: in a damaged frame, or anywhere when the directory is lost.</summary>
    public bool Loses(string traceId) => Ranges is null || Holds(traceId);

    /// <summary>Whether a trace is known to be in a damaged frame (false for every trace when the directory is lost: its ids are unknown).</summary>
    public bool Holds(string traceId) =>
        Ranges is not null && Ranges.Any(r => string.CompareOrdinal(traceId, r.From) >= 0 && (r.To is null || string.CompareOrdinal(traceId, r.To) < 0));
}
