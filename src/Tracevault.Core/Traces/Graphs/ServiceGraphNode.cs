namespace Tracevault.Core.Traces.Graphs;

/// <summary>A service of a service graph with its statistics and downstream edges (the model's <c>Service</c>).</summary>
public sealed record ServiceGraphNode
{
    /// <summary>The node's id, unique within the graph, which edges point at.</summary>
    public required int ReferenceId { get; init; }

    /// <summary>The service's identity: name, type and account.</summary>
    public required ServiceId Service { get; init; }

    /// <summary>Whether the service received requests first, at the root of a trace.</summary>
    public required bool Root { get; init; }

    /// <summary>Whether the service is inferred from subsegments rather than instrumented.</summary>
    public required bool Inferred { get; init; }

    /// <summary>
    /// Whether the node stands for the clients that sent the traces' entry requests (X-Ray's node of type <c>client</c>, without a
    /// name): its edges lead to the root services, and its statistics are those of the entry requests.
    /// </summary>
    public bool Client { get; init; }

    /// <summary>The service's state: <c>active</c>, or <c>unknown</c> for the client node.</summary>
    public string State { get; init; } = "active";

    /// <summary>The start of the service's first segment, in epoch seconds.</summary>
    public required double StartTime { get; init; }

    /// <summary>The end of the service's last segment, in epoch seconds.</summary>
    public required double EndTime { get; init; }

    /// <summary>Calls to downstream services, ordered by their reference id.</summary>
    public required IReadOnlyList<ServiceGraphEdge> Edges { get; init; }

    /// <summary>Outcomes of the service's completed requests.</summary>
    public required RequestStatistics SummaryStatistics { get; init; }

    /// <summary>The spread of the durations of the traces the service took part in.</summary>
    public required IReadOnlyList<HistogramEntry> DurationHistogram { get; init; }

    /// <summary>The spread of the service's response times.</summary>
    public required IReadOnlyList<HistogramEntry> ResponseTimeHistogram { get; init; }
}
