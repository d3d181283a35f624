using System.Globalization;
using System.Text;

namespace Tracevault.Core.Traces.Filters;

/// <summary>Splits a filter expression into tokens.</summary>
internal static class FilterTokenizer
{
    /// <summary>The tokens of <paramref name="text"/>, ending with an <see cref="FilterTokenKind.End"/> token.</summary>
    public static List<FilterToken> Tokenize(string text)
    {
        var tokens = new List<FilterToken>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i == text.Length)
            {
                tokens.Add(new FilterToken(FilterTokenKind.End, i, string.Empty));
                return tokens;
            }

            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (c)
            {
                case '(': tokens.Add(Symbol(FilterTokenKind.OpenParen, i, 1)); i++; break;
                case ')': tokens.Add(Symbol(FilterTokenKind.CloseParen, i, 1)); i++; break;
                case '{': tokens.Add(Symbol(FilterTokenKind.OpenBrace, i, 1)); i++; break;
                case '}': tokens.Add(Symbol(FilterTokenKind.CloseBrace, i, 1)); i++; break;
                case '[': tokens.Add(Symbol(FilterTokenKind.OpenBracket, i, 1)); i++; break;
                case ']': tokens.Add(Symbol(FilterTokenKind.CloseBracket, i, 1)); i++; break;
                case ',': tokens.Add(Symbol(FilterTokenKind.Comma, i, 1)); i++; break;
                case ':': tokens.Add(Symbol(FilterTokenKind.Colon, i, 1)); i++; break;
                case '=': tokens.Add(Symbol(FilterTokenKind.Equal, i, 1)); i++; break;
                case '!' when next == '=': tokens.Add(Symbol(FilterTokenKind.NotEqual, i, 2)); i += 2; break;
                case '!': tokens.Add(Symbol(FilterTokenKind.Bang, i, 1)); i++; break;
                case '<' when next == '=': tokens.Add(Symbol(FilterTokenKind.LessOrEqual, i, 2)); i += 2; break;
                case '<': tokens.Add(Symbol(FilterTokenKind.Less, i, 1)); i++; break;
                case '>' when next == '=': tokens.Add(Symbol(FilterTokenKind.GreaterOrEqual, i, 2)); i += 2; break;
                case '>': tokens.Add(Symbol(FilterTokenKind.Greater, i, 1)); i++; break;
                case '&' when next == '&': tokens.Add(Symbol(FilterTokenKind.AndAnd, i, 2)); i += 2; break;
                case '|' when next == '|': tokens.Add(Symbol(FilterTokenKind.OrOr, i, 2)); i += 2; break;
                case '&':
                    throw new FilterExpressionException(i, "unexpected '&'; use '&&' or AND");
                case '|':
                    throw new FilterExpressionException(i, "unexpected '|'; use '||' or OR");
                case '"':
                    tokens.Add(ReadString(text, ref i));
                    break;
                default:
                    if (char.IsAsciiDigit(c) || (c == '-' && char.IsAsciiDigit(next)))
                    {
                        tokens.Add(ReadNumber(text, ref i));
                    }
                    else if (char.IsLetter(c) || c == '_')
                    {
                        var start = i;
                        while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.'))
                        {
                            i++;
                        }

                        tokens.Add(new FilterToken(FilterTokenKind.Word, start, text[start..i]));
                    }
                    else
                    {
                        throw new FilterExpressionException(i, $"unexpected character '{c}'");
                    }

                    break;
            }
        }
    }

    private static FilterToken Symbol(FilterTokenKind kind, int position, int length) =>
        new(kind, position, kind switch
        {
            FilterTokenKind.OpenParen => "(",
            FilterTokenKind.CloseParen => ")",
            FilterTokenKind.OpenBrace => "{",
            FilterTokenKind.CloseBrace => "}",
            FilterTokenKind.OpenBracket => "[",
            FilterTokenKind.CloseBracket => "]",
            FilterTokenKind.Comma => ",",
            FilterTokenKind.Colon => ":",
            FilterTokenKind.Equal => "=",
            FilterTokenKind.NotEqual => "!=",
            FilterTokenKind.Bang => "!",
            FilterTokenKind.Less => "<",
            FilterTokenKind.LessOrEqual => "<=",
            FilterTokenKind.Greater => ">",
            FilterTokenKind.GreaterOrEqual => ">=",
            FilterTokenKind.AndAnd => "&&",
            FilterTokenKind.OrOr => "||",
            _ => new string('?', length),
        });

    private static FilterToken ReadString(string text, ref int i)
    {
        var start = i;
        var value = new StringBuilder();
        i++;
        while (true)
        {
            if (i >= text.Length)
            {
                throw new FilterExpressionException(start, "the string starting here has no closing '\"'");
            }

            var c = text[i];
            if (c == '"')
            {
                i++;
                return new FilterToken(FilterTokenKind.String, start, text[start..i], value.ToString());
            }

            if (c != '\\')
            {
                value.Append(c);
                i++;
                continue;
            }

            var escape = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (escape)
            {
                case '"' or '\\' or '/': value.Append(escape); i += 2; break;
                case 'n': value.Append('\n'); i += 2; break;
                case 't': value.Append('\t'); i += 2; break;
                case 'r': value.Append('\r'); i += 2; break;
                case 'b': value.Append('\b'); i += 2; break;
                case 'f': value.Append('\f'); i += 2; break;
                case 'u' when i + 6 <= text.Length
                    && ushort.TryParse(text.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code):
                    value.Append((char)code);
                    i += 6;
                    break;
                default:
                    throw new FilterExpressionException(i, "invalid escape sequence in string; use \\\", \\\\, \\n, \\t or \\uXXXX");
            }
        }
    }

    private static FilterToken ReadNumber(string text, ref int i)
    {
        var start = i;
        if (text[i] == '-')
        {
            i++;
        }

        SkipDigits(text, ref i);
        if (i < text.Length && text[i] == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))
        {
            i++;
            SkipDigits(text, ref i);
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            var exponent = i + 1;
            if (exponent < text.Length && text[exponent] is '+' or '-')
            {
                exponent++;
            }

            if (exponent < text.Length && char.IsAsciiDigit(text[exponent]))
            {
                i = exponent;
                SkipDigits(text, ref i);
            }
        }

        if (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] is '_' or '.'))
        {
            throw new FilterExpressionException(start, $"malformed number '{text[start..(i + 1)]}'");
        }

        var literal = text[start..i];
        return new FilterToken(
            FilterTokenKind.Number, start, literal, NumberValue: double.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static void SkipDigits(string text, ref int i)
    {
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }
    }
}
