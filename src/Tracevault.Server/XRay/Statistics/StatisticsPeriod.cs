using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Server.XRay.Statistics;

/// <summary>One period of statistics: its first second and the merged tallies of each service and edge with requests in it.</summary>
/// <param name="Start">The period's first second, epoch seconds.</param>
/// <param name="Entities">The merged tallies, per service and per edge.</param>
public sealed record StatisticsPeriod(long Start, IReadOnlyDictionary<StatisticsEntity, StatisticsTally> Entities)
{
    /// <summary>The tallies of the entities a selector picks, merged into one (empty when it picks none).</summary>
    public StatisticsTally Merged(EntitySelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var merged = new StatisticsTally();
        foreach (var (entity, tally) in Entities)
        {
            if (selector.Matches(entity))
            {
                merged.Merge(tally);
            }
        }

        return merged;
    }
}
