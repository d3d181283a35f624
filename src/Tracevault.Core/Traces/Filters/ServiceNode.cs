namespace Tracevault.Core.Traces.Filters;

/// <summary><c>service(name) { filter }</c>: the trace reaches a matching service, one of whose entities satisfies the filter.</summary>
/// <param name="selector">The services to look at, or <see langword="null"/> for <c>service()</c>: all of them.</param>
/// <param name="filter">The sub-filter, or <see langword="null"/> when the braces were omitted.</param>
internal sealed class ServiceNode(ServiceSelector? selector, FilterNode? filter) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject)
    {
        return filter is null ? subject.HasService(selector) : subject.AnyRequest(selector, filter);
    }

    /// <inheritdoc/>
    public override FilterFactsUse FactsUse =>
        filter is null ? FilterFactsUse.WithLinks : filter.RequestFacts ? FilterFactsUse.WithRequests : FilterFactsUse.Documents;

    /// <inheritdoc/>
    public override string ToString() => filter is null ? $"service({selector})" : $"service({selector}) {{ {filter} }}";
}
