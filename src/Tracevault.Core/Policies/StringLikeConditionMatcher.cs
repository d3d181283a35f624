namespace Tracevault.Core.Policies;

/// <summary>Case-sensitive wildcard comparison, for StringLike and StringNotLike.</summary>
internal sealed class StringLikeConditionMatcher : ConditionValueMatcher
{
    private readonly WildcardPattern[] _patterns;

    /// <summary>Compiles each policy value as a pattern with <c>*</c> and <c>?</c>.</summary>
    public StringLikeConditionMatcher(IReadOnlyList<string> values)
    {
        _patterns = new WildcardPattern[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            _patterns[i] = WildcardPattern.Create(values[i], ignoreCase: false);
        }
    }

    /// <inheritdoc/>
    public override bool Matches(string value)
    {
        foreach (var pattern in _patterns)
        {
            if (pattern.IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }
}
