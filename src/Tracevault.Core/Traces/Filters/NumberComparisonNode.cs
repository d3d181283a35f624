namespace Tracevault.Core.Traces.Filters;

/// <summary>A number keyword compared with a number; false when the subject has no value.</summary>
internal sealed class NumberComparisonNode(FilterKeyword keyword, FilterOperator op, double value) : FilterNode
{
    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject) =>
        subject.Number(keyword) is { } actual && FilterOperators.Compare(actual, op, value);

    /// <inheritdoc/>
    public override bool RequestFacts => keyword is FilterKeyword.ResponseTime or FilterKeyword.Duration;

    /// <inheritdoc/>
    public override string ToString() => $"{FilterKeywords.Spell(keyword)} {FilterOperators.Spell(op)} {FormatNumber(value)}";
}
