using System.Text;

namespace Tracevault.Core.Signing;

/// <summary>One <c>name=value</c> pair of a raw query string, both decoded and in its canonical SigV4 encoding.</summary>
/// <param name="Name">The decoded name.</param>
/// <param name="Value">The decoded value; empty for a bare <c>name</c>.</param>
/// <param name="CanonicalName">The name decoded, then encoded per RFC 3986.</param>
/// <param name="CanonicalValue">The value decoded, then encoded per RFC 3986.</param>
internal sealed record QueryParameter(string Name, string Value, string CanonicalName, string CanonicalValue)
{
    /// <summary>Splits a raw query string (without <c>?</c>) into its parameters in order, skipping empty pairs.</summary>
    public static IReadOnlyList<QueryParameter> ParseAll(string rawQuery)
    {
        var parameters = new List<QueryParameter>();
        if (string.IsNullOrEmpty(rawQuery))
        {
            return parameters;
        }

        foreach (var pair in rawQuery.Split('&'))
        {
            if (pair.Length == 0)
            {
                continue;
            }

            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var nameBytes = PercentEncoding.Decode(equals < 0 ? pair : pair[..equals]);
            var valueBytes = PercentEncoding.Decode(equals < 0 ? string.Empty : pair[(equals + 1)..]);

            // Decoding then re-encoding the bytes (not the text) keeps any byte sequence exact, even one that is not valid UTF-8.
            parameters.Add(new QueryParameter(
                Encoding.UTF8.GetString(nameBytes),
                Encoding.UTF8.GetString(valueBytes),
                PercentEncoding.Encode(nameBytes, keepSlash: false),
                PercentEncoding.Encode(valueBytes, keepSlash: false)));
        }

        return parameters;
    }
}
