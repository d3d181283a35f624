namespace Tracevault.Core.Traces.Filters;

/// <summary><c>left OR right</c>.</summary>
internal sealed class OrNode(FilterNode left, FilterNode right) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject) => left.Evaluate(subject) || right.Evaluate(subject);

    /// <inheritdoc/>
    public override string ToString() => $"({left} OR {right})";
}
