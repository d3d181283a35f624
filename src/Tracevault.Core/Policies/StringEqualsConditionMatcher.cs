namespace Tracevault.Core.Policies;

/// <summary>Exact string comparison, for StringEquals and StringEqualsIgnoreCase and their negations.</summary>
internal sealed class StringEqualsConditionMatcher : ConditionValueMatcher
{
    private readonly string[] _values;
    private readonly StringComparison _comparison;

    /// <summary>Compiles the policy values, compared with <paramref name="comparison"/>.</summary>
    public StringEqualsConditionMatcher(IReadOnlyList<string> values, StringComparison comparison)
    {
        _values = [.. values];
        _comparison = comparison;
    }

    /// <inheritdoc/>
    public override bool Matches(string value)
    {
        foreach (var candidate in _values)
        {
            if (string.Equals(value, candidate, _comparison))
            {
                return true;
            }
        }

        return false;
    }
}
