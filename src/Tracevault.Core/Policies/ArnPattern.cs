namespace Tracevault.Core.Policies;

/// <summary>An ARN pattern whose six colon-delimited components are matched separately, each with its own <c>*</c> and <c>?</c> wildcards, as the Arn condition operators do.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
internal sealed class ArnPattern
{
    private const int ComponentCount = 6;

    private readonly WildcardPattern[] _components;

    private ArnPattern(WildcardPattern[] components)
    {
        _components = components;
    }

    /// <summary>Compiles <paramref name="arn"/>, or returns null when it is not <c>arn:partition:service:region:account:resource</c>.</summary>
    public static ArnPattern? TryCreate(string arn)
    {
        var parts = arn.Split(':', ComponentCount);
        if (parts.Length != ComponentCount || parts[0] != "arn")
        {
            return null;
        }

        var components = new WildcardPattern[ComponentCount];
        for (var i = 0; i < ComponentCount; i++)
        {
            components[i] = WildcardPattern.Create(parts[i], ignoreCase: false);
        }

        return new ArnPattern(components);
    }

    /// <summary>Whether <paramref name="arn"/> has six components and each matches its pattern; the resource component may itself contain colons.</summary>
    public bool IsMatch(ReadOnlySpan<char> arn)
    {
        var rest = arn;
        for (var i = 0; i < ComponentCount - 1; i++)
        {
            var colon = rest.IndexOf(':');
            if (colon < 0 || !_components[i].IsMatch(rest[..colon]))
            {
                return false;
            }

            rest = rest[(colon + 1)..];
        }

        return _components[ComponentCount - 1].IsMatch(rest);
    }
}
