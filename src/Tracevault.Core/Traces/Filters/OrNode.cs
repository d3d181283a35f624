namespace Tracevault.Core.Traces.Filters;

/// <summary><c>a OR b OR …</c>: a chain of terms held side by side, so a long chain adds no depth to the tree.</summary>
internal sealed class OrNode(IReadOnlyList<FilterNode> terms) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject)
    {
        foreach (var term in terms)
        {
            if (term.Evaluate(subject))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override FilterFactsUse FactsUse => MostOf(terms);

    /// <inheritdoc/>
    public override bool RequestFacts => terms.All(t => t.RequestFacts);

    /// <inheritdoc/>
    public override string ToString() => $"({string.Join(" OR ", terms)})";
}
