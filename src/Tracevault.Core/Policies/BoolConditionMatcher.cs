namespace Tracevault.Core.Policies;

/// <summary>Boolean comparison, for the Bool operator; "true" and "false" are read without regard to case.</summary>
internal sealed class BoolConditionMatcher : ConditionValueMatcher
{
    private readonly bool _acceptsTrue;
    private readonly bool _acceptsFalse;

    private BoolConditionMatcher(bool acceptsTrue, bool acceptsFalse)
    {
        _acceptsTrue = acceptsTrue;
        _acceptsFalse = acceptsFalse;
    }

    /// <summary>Compiles the policy values, throwing <see cref="PolicyFormatException"/> naming <paramref name="where"/> when one is not "true" or "false".</summary>
    public static BoolConditionMatcher Create(IReadOnlyList<string> values, string where)
    {
        var acceptsTrue = false;
        var acceptsFalse = false;
        foreach (var text in values)
        {
            if (!bool.TryParse(text, out var value))
            {
                throw new PolicyFormatException($"{where}: \"{text}\" is not \"true\" or \"false\".");
            }

            acceptsTrue |= value;
            acceptsFalse |= !value;
        }

        return new BoolConditionMatcher(acceptsTrue, acceptsFalse);
    }

    /// <inheritdoc/>
    public override bool Matches(string value) =>
        bool.TryParse(value, out var requestValue) && (requestValue ? _acceptsTrue : _acceptsFalse);
}
