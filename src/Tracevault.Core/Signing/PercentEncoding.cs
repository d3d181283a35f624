using System.Text;

namespace Tracevault.Core.Signing;

/// <summary>The RFC 3986 percent-encoding SigV4 uses: every byte except the unreserved <c>A-Z a-z 0-9 - . _ ~</c> becomes <c>%XX</c>.</summary>
internal static class PercentEncoding
{
    private const string UpperHex = "0123456789ABCDEF";

    /// <summary>Encodes the UTF-8 bytes of <paramref name="text"/>, leaving <c>/</c> alone when <paramref name="keepSlash"/> is set.</summary>
    public static string Encode(string text, bool keepSlash) => Encode(Encoding.UTF8.GetBytes(text), keepSlash);

    /// <summary>Encodes <paramref name="bytes"/>, leaving <c>/</c> alone when <paramref name="keepSlash"/> is set.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes, bool keepSlash)
    {
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (IsUnreserved(b) || (keepSlash && b == (byte)'/'))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(UpperHex[b >> 4]).Append(UpperHex[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    /// <summary>Decodes every valid <c>%XX</c> escape to its byte and every other character to its UTF-8 bytes; <c>+</c> stays a plus sign.</summary>
    /// <remarks>A <c>%</c> not followed by two hex digits is kept literally, so decoding never fails.</remarks>
    public static byte[] Decode(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal))
        {
            return Encoding.UTF8.GetBytes(text);
        }

        var output = new List<byte>(text.Length);
        var runStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && IsHex(text[i + 1]) && IsHex(text[i + 2]))
            {
                output.AddRange(Encoding.UTF8.GetBytes(text[runStart..i]));
                output.Add((byte)((HexValue(text[i + 1]) << 4) | HexValue(text[i + 2])));
                i += 2;
                runStart = i + 1;
            }
        }

        output.AddRange(Encoding.UTF8.GetBytes(text[runStart..]));
        return [.. output];
    }

    private static bool IsUnreserved(byte b) =>
        b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'-' or (byte)'.' or (byte)'_' or (byte)'~';

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
