namespace Tracevault.Core.Traces.Statistics;

/// <summary>What a tally counts the requests of: a service, or an edge from a calling service to the one it called.</summary>
/// <param name="Service">The service, or the calling service of an edge.</param>
/// <param name="Callee">The called service of an edge; <see langword="null"/> for a service.</param>
public sealed record StatisticsEntity(ServiceId Service, ServiceId? Callee)
{
    /// <summary>Whether it is an edge.</summary>
    public bool IsEdge => Callee is not null;
}
