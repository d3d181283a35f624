namespace Tracevault.Core.Traces.Filters;

/// <summary>One token of a filter expression.</summary>
/// <param name="Kind">What the token is.</param>
/// <param name="Position">The 0-based offset of its first character.</param>
/// <param name="Text">The token as written (for a string, with its quotes).</param>
/// <param name="StringValue">A string literal's unescaped value.</param>
/// <param name="NumberValue">A number literal's value.</param>
internal readonly record struct FilterToken(FilterTokenKind Kind, int Position, string Text, string? StringValue = null, double NumberValue = 0)
{
    /// <summary>Whether the token is the given word, ignoring case.</summary>
    public bool IsWord(string word) => Kind == FilterTokenKind.Word && string.Equals(Text, word, StringComparison.OrdinalIgnoreCase);

    /// <summary>How the token is named in an error message.</summary>
    public string Describe() => Kind == FilterTokenKind.End ? "the end of the expression" : $"'{Text}'";
}
