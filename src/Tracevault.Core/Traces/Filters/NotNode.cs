namespace Tracevault.Core.Traces.Filters;

/// <summary><c>NOT operand</c>.</summary>
internal sealed class NotNode(FilterNode operand) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject) => !operand.Evaluate(subject);

    /// <inheritdoc/>
    public override FilterFactsUse FactsUse => operand.FactsUse;

    /// <inheritdoc/>
    public override bool RequestFacts => operand.RequestFacts;

    /// <inheritdoc/>
    public override string ToString() => $"(NOT {operand})";
}
