namespace Tracevault.Core.Traces.Filters;

/// <summary><c>group.name = "…"</c> or <c>group.arn = "…"</c>: the named group's own filter expression, parsed when the expression was.</summary>
/// <param name="group">The group as the expression names it.</param>
/// <param name="filter">The group's filter expression, or <see langword="null"/> when the group has none (it holds every trace).</param>
internal sealed class GroupNode(FilterGroupReference group, FilterNode? filter) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject) => filter is null || filter.Evaluate(subject);

    /// <inheritdoc/>
    public override FilterFactsUse FactsUse => filter?.FactsUse ?? FilterFactsUse.WithoutLinks;

    /// <inheritdoc/>
    public override string ToString() => $"{(group.ByArn ? "group.arn" : "group.name")} = {Quote(group.Value)}";
}
