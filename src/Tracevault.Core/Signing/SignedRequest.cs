namespace Tracevault.Core.Signing;

/// <summary>The parts of an HTTP request that Signature Version 4 covers, as received on the wire.</summary>
/// <param name="Method">The HTTP method exactly as sent, for example <c>POST</c>.</param>
/// <param name="RawPath">The path exactly as sent, still percent-encoded, for example <c>/</c> or <c>/TraceSegments</c>.</param>
/// <param name="RawQuery">The query string without the leading <c>?</c>, still percent-encoded; empty when there is none.</param>
/// <param name="Headers">Every header as received, in order and with the original name case; a repeated name appears repeatedly. <c>Host</c> must be the value as received, port included.</param>
/// <param name="PayloadSha256Hex">The lowercase hex SHA-256 of the body bytes; an <c>x-amz-content-sha256</c> header, when present, takes its place in the canonical request.</param>
public sealed record SignedRequest(
    string Method,
    string RawPath,
    string RawQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string PayloadSha256Hex)
{
    /// <summary>Returns the values of every header named <paramref name="name"/> (compared case-insensitively), in the order received.</summary>
    internal IEnumerable<string> HeaderValues(string name)
    {
        foreach (var header in Headers)
        {
            if (string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase))
            {
                yield return header.Value;
            }
        }
    }

    /// <summary>Returns the first value of the header named <paramref name="name"/> with surrounding whitespace trimmed, or null when it is absent.</summary>
    internal string? FirstHeader(string name)
    {
        foreach (var value in HeaderValues(name))
        {
            return value.Trim();
        }

        return null;
    }
}
