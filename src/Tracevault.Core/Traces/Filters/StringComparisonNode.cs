namespace Tracevault.Core.Traces.Filters;

/// <summary>A string keyword compared with a string, true when any of the subject's values matches.</summary>
/// <remarks><c>!=</c> holds when the keyword has a value and none equals the literal; a missing value fails every operator.</remarks>
internal sealed class StringComparisonNode : FilterNode
{
    private readonly FilterKeyword _keyword;
    private readonly FilterOperator _op;
    private readonly string _value;
    private readonly Func<string, bool> _matches;

    public StringComparisonNode(FilterKeyword keyword, FilterOperator op, string value)
    {
        _keyword = keyword;
        _op = op;
        _value = value;
        var compareAs = op == FilterOperator.NotEqual ? FilterOperator.Equal : op;
        _matches = actual => FilterOperators.Compare(actual, compareAs, value);
    }

    /// <inheritdoc/>
    public override bool Evaluate(FilterSubject subject) => _op == FilterOperator.NotEqual
        ? subject.AnyString(_keyword, static _ => true) && !subject.AnyString(_keyword, _matches)
        : subject.AnyString(_keyword, _matches);

    /// <inheritdoc/>
    public override FilterFactsUse FactsUse => _keyword is FilterKeyword.Name or FilterKeyword.Type ? FilterFactsUse.WithLinks : FilterFactsUse.WithoutLinks;

    /// <inheritdoc/>
    public override bool RequestFacts => _keyword is FilterKeyword.Name or FilterKeyword.Type;

    /// <inheritdoc/>
    public override string ToString() => $"{FilterKeywords.Spell(_keyword)} {FilterOperators.Spell(_op)} {Quote(_value)}";
}
