using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Graphs;

namespace Tracevault.Core.Insights;

/// <summary>What insights keep of one minute of a group's traces: requests and faults per service, the clients' requests, fault root causes and the graph of the faulted traces.</summary>
/// <remarks>It is derived from trace data, so it is trace data: stored sealed.</remarks>
/// <param name="Minute">The minute's first second, in epoch seconds (a multiple of 60).</param>
/// <param name="Services">Each service's requests and faults, from the traces dated in the minute.</param>
/// <param name="Client">The clients' requests: the traces' entry requests, by outcome.</param>
/// <param name="RootCauses">The fault root cause services of the faulted traces.</param>
/// <param name="FaultGraph">The services of the faulted traces and their calls.</param>
public sealed record InsightMinute(long Minute, IReadOnlyList<ServiceFaults> Services, RequestImpact Client, IReadOnlyList<RootCauseCount> RootCauses, IReadOnlyList<InsightGraphNode> FaultGraph)
{
    /// <summary>The statistics of the traces dated in the minute starting at <paramref name="minute"/>.</summary>
    public static InsightMinute From(long minute, IEnumerable<AssembledTrace> traces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var all = traces.ToList();
        var graph = ServiceGraph.Build(all);
        var services = graph.Where(n => !n.Client)
            .Select(n => new ServiceFaults(n.Service, n.SummaryStatistics.TotalCount, n.SummaryStatistics.FaultStatistics.TotalCount))
            .ToList();
        var client = graph.FirstOrDefault(n => n.Client) is { } node
            ? new RequestImpact(node.SummaryStatistics.FaultStatistics.TotalCount, node.SummaryStatistics.OkCount, node.SummaryStatistics.TotalCount)
            : RequestImpact.None;

        var faulted = all.Where(t => t.HasFault).ToList();
        var rootCauses = faulted
            .SelectMany(t => t.FaultRootCauses.Where(c => c.Services.Count > 0).Select(c => c.Services[^1].Id).Distinct())
            .GroupBy(id => id)
            .Select(g => new RootCauseCount(g.Key, g.LongCount()))
            .OrderByDescending(c => c.Traces).ThenBy(c => c.Service.Name, StringComparer.Ordinal)
            .ToList();
        return new InsightMinute(minute, services, client, rootCauses, GraphOf(faulted));
    }

    /// <summary>The union of several impact graphs: each service once, with every call any of them has.</summary>
    public static IReadOnlyList<InsightGraphNode> Merge(IEnumerable<IReadOnlyList<InsightGraphNode>> graphs)
    {
        ArgumentNullException.ThrowIfNull(graphs);
        var positions = new Dictionary<ServiceId, int>();
        var services = new List<ServiceId>();
        var callees = new List<SortedSet<int>>();
        int Position(ServiceId service)
        {
            if (!positions.TryGetValue(service, out var at))
            {
                at = services.Count;
                positions.Add(service, at);
                services.Add(service);
                callees.Add([]);
            }

            return at;
        }

        foreach (var graph in graphs)
        {
            var mapped = graph.Select(n => Position(n.Service)).ToList();
            for (var i = 0; i < graph.Count; i++)
            {
                foreach (var callee in graph[i].Callees)
                {
                    callees[mapped[i]].Add(mapped[callee]);
                }
            }
        }

        return services.Select((s, i) => new InsightGraphNode(s, [.. callees[i]])).ToList();
    }

    private static List<InsightGraphNode> GraphOf(IReadOnlyList<AssembledTrace> traces)
    {
        var nodes = ServiceGraph.Build(traces);
        var positions = nodes.Select((n, i) => (n.ReferenceId, i)).ToDictionary(p => p.ReferenceId, p => p.i);
        return nodes.Select(n => new InsightGraphNode(n.Service, n.Edges.Select(e => positions[e.ReferenceId]).ToList())).ToList();
    }
}
