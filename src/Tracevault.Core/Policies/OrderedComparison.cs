namespace Tracevault.Core.Policies;

/// <summary>The comparison a numeric or date condition operator makes between a request value and a policy value.</summary>
internal enum OrderedComparison
{
    /// <summary>The request value equals the policy value.</summary>
    Equal,

    /// <summary>The request value is less than the policy value.</summary>
    LessThan,

    /// <summary>The request value is less than or equal to the policy value.</summary>
    LessThanEquals,

    /// <summary>The request value is greater than the policy value.</summary>
    GreaterThan,

    /// <summary>The request value is greater than or equal to the policy value.</summary>
    GreaterThanEquals,
}
