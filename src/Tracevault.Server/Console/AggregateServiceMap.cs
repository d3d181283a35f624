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

        // Services are numbered as met, and edges keyed by numbers: a range's minutes hold the same few services thousands of times.
        var found = new Numbering<ServiceId>();
        var services = new List<(StatisticsTally Tally, double Start, double End)>();
        var edges = new Dictionary<(int From, int To), (StatisticsTally Tally, double Start, double End)>();
        var unlinked = new Dictionary<int, StatisticsTally>();
        int Number(ServiceId service)
        {
            var number = found.NumberOf(service);
            if (number == services.Count)
            {
                services.Add(default);
            }

            return number;
        }

        foreach (var minute in minutes)
        {
            foreach (var (entity, tally) in minute.Entities)
            {
                if (entity.IsUnlinked)
                {
                    var callee = Number(entity.Callee!);
                    if (!unlinked.TryGetValue(callee, out var sum))
                    {
                        unlinked.Add(callee, sum = new StatisticsTally());
                    }

                    sum.Merge(tally);
                }
                else if (entity.Callee is { } calleeId)
                {
                    var (from, to) = (Number(entity.Service), Number(calleeId));
                    edges[(from, to)] = Merge(edges.GetValueOrDefault((from, to)), tally, minute.Minute);
                    Meet(services, from, minute.Minute);
                    Meet(services, to, minute.Minute);
                }
                else
                {
                    var service = Number(entity.Service);
                    services[service] = Merge(services[service], tally, minute.Minute);
                }
            }
        }

        // A service only ever seen as the callee of unlinked calls is not drawn.
        var ordered = Enumerable.Range(0, found.Count).Where(n => services[n].Tally is not null)
            .OrderBy(n => found.Values[n].Name, StringComparer.Ordinal).ThenBy(n => found.Values[n].Type, StringComparer.Ordinal).ToList();
        var ids = new int[found.Count];
        for (var i = 0; i < ordered.Count; i++)
        {
            ids[ordered[i]] = i + 1;
        }

        var received = new List<StatisticsTally>?[found.Count];
        var sent = new List<((int From, int To) Key, (StatisticsTally Tally, double Start, double End) Value)>?[found.Count];
        foreach (var edge in edges)
        {
            if (edge.Key.From != edge.Key.To)
            {
                (received[edge.Key.To] ??= []).Add(edge.Value.Tally);
            }

            (sent[edge.Key.From] ??= []).Add((edge.Key, edge.Value));
        }

        var entries = new Dictionary<ServiceId, StatisticsTally>();
        foreach (var number in ordered)
        {
            IEnumerable<StatisticsTally> calls = received[number] ?? [];
            var entry = services[number].Tally.Without(unlinked.TryGetValue(number, out var orphans) ? calls.Append(orphans) : calls);
            if (entry.Total > 0)
            {
                entries.Add(found.Values[number], entry);
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
                StartTime = entries.Keys.Min(s => services[found.Find(s)].Start),
                EndTime = entries.Keys.Max(s => services[found.Find(s)].End),
                Edges = [.. entries.Select(e => (Entry: e.Value, Number: found.Find(e.Key))).Select(e => new ServiceGraphEdge(ids[e.Number], services[e.Number].Start, services[e.Number].End, e.Entry.ToStatistics(), e.Entry.ToHistogram())).OrderBy(e => e.ReferenceId)],
                SummaryStatistics = all.ToStatistics(),
                DurationHistogram = [],
                ResponseTimeHistogram = all.ToHistogram(),
            });
        }

        foreach (var number in ordered)
        {
            var (tally, start, end) = services[number];
            nodes.Add(new ServiceGraphNode
            {
                ReferenceId = ids[number],
                Service = found.Values[number],
                Root = entries.ContainsKey(found.Values[number]),
                Inferred = false,
                StartTime = start,
                EndTime = end,
                Edges = [.. (sent[number] ?? []).Select(e => new ServiceGraphEdge(ids[e.Key.To], e.Value.Start, e.Value.End, e.Value.Tally.ToStatistics(), e.Value.Tally.ToHistogram())).OrderBy(e => e.ReferenceId)],
                SummaryStatistics = tally.ToStatistics(),
                DurationHistogram = [],
                ResponseTimeHistogram = tally.ToHistogram(),
            });
        }

        return new AggregateServiceMap(nodes, all, entries);
    }

    /// <summary>A service met as one end of an edge: a node from the minute it is first met, with no requests of its own yet.</summary>
    private static void Meet(List<(StatisticsTally Tally, double Start, double End)> services, int number, long minute)
    {
        if (services[number].Tally is null)
        {
            services[number] = (new StatisticsTally(), minute, minute + 60);
        }
    }

    private static (StatisticsTally Tally, double Start, double End) Merge((StatisticsTally Tally, double Start, double End) current, StatisticsTally tally, long minute)
    {
        var sum = current.Tally ?? new StatisticsTally();
        sum.Merge(tally);
        return current.Tally is null ? (sum, minute, minute + 60) : (sum, Math.Min(current.Start, minute), Math.Max(current.End, minute + 60));
    }
}
