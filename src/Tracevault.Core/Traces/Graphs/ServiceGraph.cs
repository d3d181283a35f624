namespace Tracevault.Core.Traces.Graphs;

/// <summary>Builds the service graph of <c>GetServiceGraph</c> and <c>GetTraceGraph</c> from assembled traces.</summary>
/// <remarks>Thread-safe; the traces are only read.</remarks>
public static class ServiceGraph
{
    /// <summary>The services of the traces, in the order first met, each with its statistics and edges to the services it called.</summary>
    public static IReadOnlyList<ServiceGraphNode> Build(IEnumerable<AssembledTrace> traces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var nodes = new Dictionary<ServiceId, NodeTally>();
        var order = new List<NodeTally>();

        NodeTally Node(TraceService service)
        {
            if (!nodes.TryGetValue(service.Id, out var node))
            {
                node = new NodeTally(order.Count, service.Id, service.Inferred);
                nodes.Add(service.Id, node);
                order.Add(node);
            }

            return node;
        }

        foreach (var trace in traces)
        {
            foreach (var service in trace.Services)
            {
                var node = Node(service);
                node.Root |= service.Root;
                foreach (var entity in service.Entities)
                {
                    node.Requests.Add(entity, trace.Duration);
                }
            }

            foreach (var call in trace.Calls)
            {
                var callee = Node(call.Callee);
                var edges = Node(call.Caller).Edges;
                if (!edges.TryGetValue(callee.ReferenceId, out var edge))
                {
                    edge = new RequestTally();
                    edges.Add(callee.ReferenceId, edge);
                }

                edge.Add(call.Entity, trace.Duration);
            }
        }

        return [.. order.Select(node => node.ToNode())];
    }

    private sealed class NodeTally(int referenceId, ServiceId service, bool inferred)
    {
        public int ReferenceId { get; } = referenceId;

        public bool Root { get; set; }

        public RequestTally Requests { get; } = new();

        public SortedDictionary<int, RequestTally> Edges { get; } = [];

        public ServiceGraphNode ToNode() => new()
        {
            ReferenceId = ReferenceId,
            Service = service,
            Root = Root,
            Inferred = inferred,
            StartTime = Requests.StartTime,
            EndTime = Requests.EndTime,
            Edges = [.. Edges.Select(e => new ServiceGraphEdge(
                e.Key, e.Value.StartTime, e.Value.EndTime, e.Value.Statistics(), e.Value.ResponseTimeHistogram()))],
            SummaryStatistics = Requests.Statistics(),
            DurationHistogram = Requests.DurationHistogram(),
            ResponseTimeHistogram = Requests.ResponseTimeHistogram(),
        };
    }
}
