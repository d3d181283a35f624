namespace Tracevault.Core.Policies;

/// <summary>Comparison of values with an order, the common part of the Numeric and Date operators.</summary>
/// <typeparam name="T">The type both request and policy values are read as.</typeparam>
internal abstract class OrderedConditionMatcher<T> : ConditionValueMatcher
    where T : struct, IComparable<T>
{
    private readonly T[] _values;
    private readonly OrderedComparison _comparison;

    /// <summary>Keeps the already-read policy values and the comparison to make against each.</summary>
    protected OrderedConditionMatcher(T[] values, OrderedComparison comparison)
    {
        _values = values;
        _comparison = comparison;
    }

    /// <inheritdoc/>
    public override bool Matches(string value)
    {
        if (!TryRead(value, out var requestValue))
        {
            return false;
        }

        foreach (var policyValue in _values)
        {
            var order = requestValue.CompareTo(policyValue);
            var satisfied = _comparison switch
            {
                OrderedComparison.Equal => order == 0,
                OrderedComparison.LessThan => order < 0,
                OrderedComparison.LessThanEquals => order <= 0,
                OrderedComparison.GreaterThan => order > 0,
                _ => order >= 0,
            };
            if (satisfied)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Reads a request value as <typeparamref name="T"/>, or returns false when it is not one.</summary>
    protected abstract bool TryRead(string text, out T value);
}
