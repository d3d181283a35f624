namespace Tracevault.Core.Policies;

/// <summary>The set prefix of a condition operator, saying how a multivalued key's values combine.</summary>
internal enum ConditionSetOperator
{
    /// <summary>No prefix: the condition holds when any request value matches (or, negated, when none does).</summary>
    None,

    /// <summary><c>ForAnyValue:</c> at least one request value must satisfy the operator; a missing key fails.</summary>
    ForAnyValue,

    /// <summary><c>ForAllValues:</c> every request value must satisfy the operator; a missing key passes.</summary>
    ForAllValues,
}
