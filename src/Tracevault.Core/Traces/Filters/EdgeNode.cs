namespace Tracevault.Core.Traces.Filters;

/// <summary><c>edge(source, destination) { filter }</c>: a call between matching services whose outcome satisfies the filter.</summary>
/// <param name="source">The calling services.</param>
/// <param name="destination">The called services.</param>
/// <param name="filter">The sub-filter, evaluated on the callee's entity for the call, or <see langword="null"/>.</param>
internal sealed class EdgeNode(ServiceSelector source, ServiceSelector destination, FilterNode? filter) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject)
    {
        return filter is null ? subject.HasCall(source, destination) : subject.AnyCall(source, destination, filter);
    }

    /// <inheritdoc/>
    public override FilterFactsUse FactsUse =>
        filter is null ? FilterFactsUse.WithLinks : filter.RequestFacts ? FilterFactsUse.WithRequests : FilterFactsUse.Documents;

    /// <inheritdoc/>
    public override string ToString() =>
        filter is null ? $"edge({source}, {destination})" : $"edge({source}, {destination}) {{ {filter} }}";
}
