using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Graphs;
using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Server.Console;

/// <summary>The service map of every trace of a range, built from the kept per-minute statistics instead of the traces.</summary>
/// <remarks>
/// The statistics keep each service's requests and each edge's calls, where a call to an instrumented service is described by the
/// callee's own segment. So a service's requests less the calls it received are its entry requests (those at the root of a trace,
/// never segments whose caller's segment arrived in another batch: those are kept as calls from
/// <see cref="StatisticsEntity.UnlinkedCaller"/>, taken away here and not drawn): they make X-Ray's client node and its edges,
/// and their histogram is the response time of the traces.
/// </remarks>
/// <param name="Nodes">The services, the client node first when there are entry requests; reference ids 0 (client), 1, 2, ….</param>
/// <param name="Entries">The entry requests of every service together.</param>
/// <param name="EntriesByService">The entry requests of each service that has some.</param>
public sealed record AggregateServiceMap(IReadOnlyList<ServiceGraphNode> Nodes, StatisticsTally Entries, IReadOnlyDictionary<ServiceId, StatisticsTally> EntriesByService)
{
    /// <summary>Builds the map from the minutes read.</summary>
    public static AggregateServiceMap Build(IReadOnlyList<MinuteStatistics> minutes)
    {
        ArgumentNullException.ThrowIfNull(minutes);
        var services = new Dictionary<ServiceId, (StatisticsTally Tally, double Start, double End)>();
        var edges = new Dictionary<(ServiceId From, ServiceId To), (StatisticsTally Tally, double Start, double End)>();
        var unlinked = new Dictionary<ServiceId, StatisticsTally>();
        foreach (var minute in minutes)
        {
            foreach (var (entity, tally) in minute.Entities)
            {
                if (entity.IsUnlinked)
                {
                    unlinked.TryAdd(entity.Callee!, new StatisticsTally());
                    unlinked[entity.Callee!].Merge(tally);
                }
                else if (entity.Callee is { } callee)
                {
                    edges[(entity.Service, callee)] = Merge(edges.GetValueOrDefault((entity.Service, callee)), tally, minute.Minute);
                    services.TryAdd(entity.Service, (new StatisticsTally(), minute.Minute, minute.Minute + 60));
                    services.TryAdd(callee, (new StatisticsTally(), minute.Minute, minute.Minute + 60));
                }
                else
                {
                    services[entity.Service] = Merge(services.GetValueOrDefault(entity.Service), tally, minute.Minute);
                }
            }
        }

        var ordered = services.Keys.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.Type, StringComparer.Ordinal).ToList();
        var ids = ordered.Select((s, i) => (s, i + 1)).ToDictionary(p => p.s, p => p.Item2);
        var entries = new Dictionary<ServiceId, StatisticsTally>();
        foreach (var service in ordered)
        {
            var received = edges.Where(e => e.Key.To.Equals(service) && !e.Key.From.Equals(service)).Select(e => e.Value.Tally);
            var entry = services[service].Tally.Without(unlinked.TryGetValue(service, out var orphans) ? received.Append(orphans) : received);
            if (entry.Total > 0)
            {
                entries.Add(service, entry);
            }
        }

        var nodes = new List<ServiceGraphNode>();
        var all = new StatisticsTally();
        foreach (var entry in entries.Values)
        {
            all.Merge(entry);
        }

        if (entries.Count > 0)
        {
            nodes.Add(new ServiceGraphNode
            {
                ReferenceId = 0,
                Service = ServiceGraph.ClientId,
                Root = false,
                Inferred = false,
                Client = true,
                State = "unknown",
                StartTime = entries.Keys.Min(s => services[s].Start),
                EndTime = entries.Keys.Max(s => services[s].End),
                Edges = [.. entries.Select(e => new ServiceGraphEdge(ids[e.Key], services[e.Key].Start, services[e.Key].End, e.Value.ToStatistics(), e.Value.ToHistogram())).OrderBy(e => e.ReferenceId)],
                SummaryStatistics = all.ToStatistics(),
                DurationHistogram = [],
                ResponseTimeHistogram = all.ToHistogram(),
            });
        }

        foreach (var service in ordered)
        {
            var (tally, start, end) = services[service];
            nodes.Add(new ServiceGraphNode
            {
                ReferenceId = ids[service],
                Service = service,
                Root = entries.ContainsKey(service),
                Inferred = false,
                StartTime = start,
                EndTime = end,
                Edges = [.. edges.Where(e => e.Key.From.Equals(service)).Select(e => new ServiceGraphEdge(ids[e.Key.To], e.Value.Start, e.Value.End, e.Value.Tally.ToStatistics(), e.Value.Tally.ToHistogram())).OrderBy(e => e.ReferenceId)],
                SummaryStatistics = tally.ToStatistics(),
                DurationHistogram = [],
                ResponseTimeHistogram = tally.ToHistogram(),
            });
        }

        return new AggregateServiceMap(nodes, all, entries);
    }

    private static (StatisticsTally Tally, double Start, double End) Merge((StatisticsTally Tally, double Start, double End) current, StatisticsTally tally, long minute)
    {
        var sum = current.Tally ?? new StatisticsTally();
        sum.Merge(tally);
        return current.Tally is null ? (sum, minute, minute + 60) : (sum, Math.Min(current.Start, minute), Math.Max(current.End, minute + 60));
    }
}
