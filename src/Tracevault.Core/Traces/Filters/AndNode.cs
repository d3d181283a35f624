namespace Tracevault.Core.Traces.Filters;

/// <summary><c>left AND right</c>.</summary>
internal sealed class AndNode(FilterNode left, FilterNode right) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject) => left.Evaluate(subject) && right.Evaluate(subject);

    /// <inheritdoc/>
    public override string ToString() => $"({left} AND {right})";
}
