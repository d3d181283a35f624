using Tracevault.Core.Traces;

namespace Tracevault.Core.Insights;

/// <summary>A service of an impact graph and the services it called, by their positions in the graph's list.</summary>
/// <param name="Service">The service (<see cref="Traces.Graphs.ServiceGraph.ClientId"/> for the clients).</param>
/// <param name="Callees">The positions of the services it called.</param>
public sealed record InsightGraphNode(ServiceId Service, IReadOnlyList<int> Callees);
