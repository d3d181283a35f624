namespace Tracevault.Core.Policies;

/// <summary>Component-wise ARN comparison with wildcards, for ArnEquals and ArnLike (which AWS defines identically) and their negations.</summary>
internal sealed class ArnConditionMatcher : ConditionValueMatcher
{
    private readonly ArnPattern[] _patterns;

    private ArnConditionMatcher(ArnPattern[] patterns)
    {
        _patterns = patterns;
    }

    /// <summary>Compiles the policy values, throwing <see cref="PolicyFormatException"/> naming <paramref name="where"/> when one is not an ARN.</summary>
    public static ArnConditionMatcher Create(IReadOnlyList<string> values, string where)
    {
        var patterns = new ArnPattern[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            patterns[i] = ArnPattern.TryCreate(values[i])
                ?? throw new PolicyFormatException($"{where}: \"{values[i]}\" is not an ARN of the form arn:partition:service:region:account:resource.");
        }

        return new ArnConditionMatcher(patterns);
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
