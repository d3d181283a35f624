namespace Tracevault.Core.Traces.Graphs;

/// <summary>Builds the service graph of <c>GetServiceGraph</c> and <c>GetTraceGraph</c> from assembled traces.</summary>
/// <remarks>Thread-safe; the traces are only read.</remarks>
public static class ServiceGraph
{
    /// <summary>The identity the client node carries inside Tracevault; on the wire it has only its type.</summary>
    public static readonly ServiceId ClientId = new("client", "client", null);

    /// <summary>
    /// The client node (reference id 0) with an edge to each root service, when there are entry requests; then the services of
    /// the traces, in the order first met, each with its statistics and edges to the services it called.
    /// </summary>
    public static IReadOnlyList<ServiceGraphNode> Build(IEnumerable<AssembledTrace> traces)
    {
        ArgumentNullException.ThrowIfNull(traces);
        var nodes = new Dictionary<ServiceId, NodeTally>();
        var order = new List<NodeTally>();
        var client = new NodeTally(0, ClientId, inferred: false);

        NodeTally Node(TraceService service)
        {
            if (!nodes.TryGetValue(service.Id, out var node))
            {
                node = new NodeTally(order.Count + 1, service.Id, service.Inferred);
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
                    if (entity.Kind == TraceEntityKind.Segment && entity.Caller is null)
                    {
                        // An entry request: the clients called this root service.
                        client.Requests.Add(entity, trace.Duration);
                        client.Edge(node.ReferenceId).Add(entity, trace.Duration);
                    }
                }
            }

            foreach (var call in trace.Calls)
            {
                var callee = Node(call.Callee);
                Node(call.Caller).Edge(callee.ReferenceId).Add(call.Entity, trace.Duration);
            }
        }

        var services = order.Select(node => node.ToNode());
        return client.Edges.Count == 0 ? [.. services] : [client.ToNode(), .. services];
    }

    private sealed class NodeTally(int referenceId, ServiceId service, bool inferred)
    {
        public int ReferenceId { get; } = referenceId;

        public bool Root { get; set; }

        public RequestTally Requests { get; } = new();

        public SortedDictionary<int, RequestTally> Edges { get; } = [];

        public RequestTally Edge(int callee)
        {
            if (!Edges.TryGetValue(callee, out var edge))
            {
                edge = new RequestTally();
                Edges.Add(callee, edge);
            }

            return edge;
        }

        public ServiceGraphNode ToNode() => new()
        {
            ReferenceId = ReferenceId,
            Service = service,
            Root = Root,
            Inferred = inferred,
            Client = ReferenceEquals(service, ClientId),
            State = ReferenceEquals(service, ClientId) ? "unknown" : "active",
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
