using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Storage.Traces;

/// <summary>One minute of an account's statistics as a <see cref="StatisticsReader"/> has opened it: the rows it merged, and their sum per data key.</summary>
/// <remarks>Immutable once made: readers on other threads may hold it; a change makes a new one.</remarks>
/// <param name="Chunks">The chunks whose row of this minute is in the sums, each with the data key it is sealed under.</param>
/// <param name="ByKey">The sum of those rows per data key reference.</param>
internal sealed record OpenedMinute(IReadOnlyDictionary<long, string> Chunks, IReadOnlyDictionary<string, MinuteStatistics> ByKey)
{
    /// <summary>Nothing opened yet.</summary>
    public static OpenedMinute Empty { get; } = new(new Dictionary<long, string>(), new Dictionary<string, MinuteStatistics>(StringComparer.Ordinal));

    /// <summary>This minute with more rows added: <paramref name="opened"/>, each a chunk's row with its data key reference.</summary>
    public OpenedMinute With(long minute, IReadOnlyList<(long ChunkId, string Reference, MinuteStatistics Statistics)> opened)
    {
        var chunks = new Dictionary<long, string>(Chunks);
        var byKey = new Dictionary<string, MinuteStatistics>(ByKey, StringComparer.Ordinal);
        foreach (var group in opened.GroupBy(o => o.Reference, StringComparer.Ordinal))
        {
            var parts = group.Select(o => o.Statistics).Prepend(ByKey.GetValueOrDefault(group.Key)).OfType<MinuteStatistics>().ToList();
            var merged = new MinuteStatistics(minute) { HasTraceFacts = parts.All(p => p.HasTraceFacts) };
            foreach (var part in parts)
            {
                foreach (var (entity, tally) in part.Entities)
                {
                    merged.For(entity).Merge(tally);
                }

                // A trace's parts from several chunks stay apart here: a read merges them, over every minute and key it may use.
                merged.Traces.AddRange(part.Traces);
            }

            byKey[group.Key] = merged;
            foreach (var (chunkId, _, _) in group)
            {
                chunks[chunkId] = group.Key;
            }
        }

        return new OpenedMinute(chunks, byKey);
    }

    /// <summary>This minute without what is sealed under <paramref name="reference"/> (its key can no longer be used).</summary>
    public OpenedMinute Without(string reference) => new(
        Chunks.Where(c => c.Value != reference).ToDictionary(c => c.Key, c => c.Value),
        ByKey.Where(k => k.Key != reference).ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal));
}
