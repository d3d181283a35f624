namespace Tracevault.Core.Traces.Statistics;

/// <summary>What a tally counts the requests of: a service, or an edge from a calling service to the one it called.</summary>
/// <param name="Service">The service, or the calling service of an edge.</param>
/// <param name="Callee">The called service of an edge; <see langword="null"/> for a service.</param>
public sealed record StatisticsEntity(ServiceId Service, ServiceId? Callee)
{
    /// <summary>
    /// The caller of an edge kept for a segment that names a parent (<c>parent_id</c>) not stored with it: its caller's
    /// segment came in another batch, so the calling service is not known where the tally is made. Such edges are not drawn
    /// or answered; they only keep these segments from counting as entry requests.
    /// </summary>
    public static ServiceId UnlinkedCaller { get; } = new("unlinked caller", "tracevault:unlinked", null);

    /// <summary>Whether it is an edge.</summary>
    public bool IsEdge => Callee is not null;

    /// <summary>Whether it is an edge from <see cref="UnlinkedCaller"/>.</summary>
    public bool IsUnlinked => Callee is not null && Service.Equals(UnlinkedCaller);
}
