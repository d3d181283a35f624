namespace Tracevault.Core.Traces.Filters;

/// <summary>The kinds of token in a filter expression.</summary>
internal enum FilterTokenKind
{
    /// <summary>The end of the expression.</summary>
    End,

    /// <summary>A keyword, a word operator (<c>AND</c>, <c>CONTAINS</c>…), <c>true</c>/<c>false</c> or an annotation reference.</summary>
    Word,

    /// <summary>A double-quoted string literal.</summary>
    String,

    /// <summary>A number literal.</summary>
    Number,

    /// <summary><c>(</c></summary>
    OpenParen,

    /// <summary><c>)</c></summary>
    CloseParen,

    /// <summary><c>{</c></summary>
    OpenBrace,

    /// <summary><c>}</c></summary>
    CloseBrace,

    /// <summary><c>[</c></summary>
    OpenBracket,

    /// <summary><c>]</c></summary>
    CloseBracket,

    /// <summary><c>,</c></summary>
    Comma,

    /// <summary><c>:</c></summary>
    Colon,

    /// <summary><c>=</c></summary>
    Equal,

    /// <summary><c>!=</c></summary>
    NotEqual,

    /// <summary><c>&lt;</c></summary>
    Less,

    /// <summary><c>&lt;=</c></summary>
    LessOrEqual,

    /// <summary><c>&gt;</c></summary>
    Greater,

    /// <summary><c>&gt;=</c></summary>
    GreaterOrEqual,

    /// <summary><c>!</c></summary>
    Bang,

    /// <summary><c>&amp;&amp;</c></summary>
    AndAnd,

    /// <summary><c>||</c></summary>
    OrOr,
}
