namespace Tracevault.Core.Policies;

/// <summary>A pattern with <c>*</c> (any run of characters, possibly empty) and <c>?</c> (exactly one character), compiled once and matched without allocating.</summary>
/// <remarks>Instances are immutable and safe to share across threads.</remarks>
internal sealed class WildcardPattern
{
    private readonly string _pattern;
    private readonly bool _ignoreCase;
    private readonly PatternShape _shape;

    private WildcardPattern(string pattern, bool ignoreCase, PatternShape shape)
    {
        _pattern = pattern;
        _ignoreCase = ignoreCase;
        _shape = shape;
    }

    private enum PatternShape
    {
        MatchesAll,
        Literal,
        Prefix,
        Glob,
    }

    /// <summary>Compiles <paramref name="pattern"/>, comparing characters ordinally and, when <paramref name="ignoreCase"/> is set, without regard to case.</summary>
    public static WildcardPattern Create(string pattern, bool ignoreCase)
    {
        var firstWildcard = pattern.AsSpan().IndexOfAny('*', '?');
        if (firstWildcard < 0)
        {
            return new WildcardPattern(pattern, ignoreCase, PatternShape.Literal);
        }

        if (pattern.AsSpan().IndexOfAnyExcept('*') < 0)
        {
            return new WildcardPattern(pattern, ignoreCase, PatternShape.MatchesAll);
        }

        // "kms:Generate*" and "arn:aws:kms:us-east-1:111122223333:key/*" are the common shapes: a prefix test.
        if (firstWildcard == pattern.Length - 1 && pattern[firstWildcard] == '*')
        {
            return new WildcardPattern(pattern[..^1], ignoreCase, PatternShape.Prefix);
        }

        var glob = ignoreCase ? pattern.ToUpperInvariant() : pattern;
        return new WildcardPattern(glob, ignoreCase, PatternShape.Glob);
    }

    /// <summary>Whether the whole of <paramref name="text"/> matches the pattern.</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        var comparison = _ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return _shape switch
        {
            PatternShape.MatchesAll => true,
            PatternShape.Literal => text.Equals(_pattern, comparison),
            PatternShape.Prefix => text.StartsWith(_pattern, comparison),
            _ => IsGlobMatch(_pattern, text, _ignoreCase),
        };
    }

    private static bool IsGlobMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text, bool ignoreCase)
    {
        // Greedy scan that backtracks only to the last '*': linear for one star, O(n*m) at worst.
        var p = 0;
        var t = 0;
        var lastStar = -1;
        var textAtLastStar = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                lastStar = p++;
                textAtLastStar = t;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == (ignoreCase ? char.ToUpperInvariant(text[t]) : text[t])))
            {
                p++;
                t++;
            }
            else if (lastStar >= 0)
            {
                p = lastStar + 1;
                t = ++textAtLastStar;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
