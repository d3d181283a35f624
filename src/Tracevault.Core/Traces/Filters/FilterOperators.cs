namespace Tracevault.Core.Traces.Filters;

/// <summary>Reading, spelling and applying <see cref="FilterOperator"/>s.</summary>
internal static class FilterOperators
{
    /// <summary>The operator a token spells, if it spells one.</summary>
    public static FilterOperator? FromToken(FilterToken token) => token.Kind switch
    {
        FilterTokenKind.Equal => FilterOperator.Equal,
        FilterTokenKind.NotEqual => FilterOperator.NotEqual,
        FilterTokenKind.Less => FilterOperator.Less,
        FilterTokenKind.LessOrEqual => FilterOperator.LessOrEqual,
        FilterTokenKind.Greater => FilterOperator.Greater,
        FilterTokenKind.GreaterOrEqual => FilterOperator.GreaterOrEqual,
        FilterTokenKind.Word when token.IsWord("CONTAINS") => FilterOperator.Contains,
        FilterTokenKind.Word when token.IsWord("BEGINSWITH") => FilterOperator.BeginsWith,
        FilterTokenKind.Word when token.IsWord("ENDSWITH") => FilterOperator.EndsWith,
        _ => null,
    };

    /// <summary>Whether a value of the given kind can be compared with the operator.</summary>
    public static bool Accepts(FilterValueKind kind, FilterOperator op) => kind switch
    {
        FilterValueKind.Boolean => op is FilterOperator.Equal or FilterOperator.NotEqual,
        FilterValueKind.Number => op is not (FilterOperator.Contains or FilterOperator.BeginsWith or FilterOperator.EndsWith),
        _ => op is FilterOperator.Equal or FilterOperator.NotEqual or FilterOperator.Contains
            or FilterOperator.BeginsWith or FilterOperator.EndsWith,
    };

    /// <summary>The operator as written in an expression.</summary>
    public static string Spell(FilterOperator op) => op switch
    {
        FilterOperator.Equal => "=",
        FilterOperator.NotEqual => "!=",
        FilterOperator.Less => "<",
        FilterOperator.LessOrEqual => "<=",
        FilterOperator.Greater => ">",
        FilterOperator.GreaterOrEqual => ">=",
        FilterOperator.Contains => "CONTAINS",
        FilterOperator.BeginsWith => "BEGINSWITH",
        _ => "ENDSWITH",
    };

    /// <summary>Applies a number comparison; <see cref="FilterOperator.NotEqual"/> is plain inequality here.</summary>
    public static bool Compare(double actual, FilterOperator op, double expected) => op switch
    {
        FilterOperator.Equal => actual == expected,
        FilterOperator.NotEqual => actual != expected,
        FilterOperator.Less => actual < expected,
        FilterOperator.LessOrEqual => actual <= expected,
        FilterOperator.Greater => actual > expected,
        FilterOperator.GreaterOrEqual => actual >= expected,
        _ => false,
    };

    /// <summary>Applies a string comparison, ordinally; <see cref="FilterOperator.NotEqual"/> is handled by the caller.</summary>
    public static bool Compare(string actual, FilterOperator op, string expected) => op switch
    {
        FilterOperator.Equal => string.Equals(actual, expected, StringComparison.Ordinal),
        FilterOperator.Contains => actual.Contains(expected, StringComparison.Ordinal),
        FilterOperator.BeginsWith => actual.StartsWith(expected, StringComparison.Ordinal),
        FilterOperator.EndsWith => actual.EndsWith(expected, StringComparison.Ordinal),
        _ => false,
    };
}
