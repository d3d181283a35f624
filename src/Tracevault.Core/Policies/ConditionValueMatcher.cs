namespace Tracevault.Core.Policies;

/// <summary>The compiled policy values of one condition, answering whether a single request value matches any of them.</summary>
/// <remarks>Negation, IfExists and the set prefixes are applied by <see cref="PolicyCondition"/>; a matcher only answers the positive question.</remarks>
internal abstract class ConditionValueMatcher
{
    /// <summary>Whether <paramref name="value"/> matches at least one of the policy values; a request value that cannot be read as the operator's type matches none.</summary>
    public abstract bool Matches(string value);
}
