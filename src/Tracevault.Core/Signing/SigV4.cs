using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tracevault.Core.Signing;

/// <summary>The pieces of the AWS Signature Version 4 algorithm, shared by <see cref="SigV4Verifier"/> and client-side signing in tests.</summary>
/// <remarks>
/// Follows https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html and the official test suite
/// for every service except S3: the path is normalized, and the path as sent (already percent-encoded) is encoded once more.
/// </remarks>
public static class SigV4
{
    /// <summary>The only signing algorithm supported, <c>AWS4-HMAC-SHA256</c>.</summary>
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The <c>x-amz-content-sha256</c> value by which a client declares that the body is not signed.</summary>
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";

    /// <summary>The last element of every credential scope.</summary>
    public const string Terminator = "aws4_request";

    /// <summary>The format of <c>X-Amz-Date</c>, ISO 8601 basic, e.g. <c>20150830T123600Z</c>.</summary>
    public const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";

    /// <summary>The longest validity a presigned request may ask for, 604800 seconds (seven days).</summary>
    public static readonly TimeSpan MaxPresignedExpiry = TimeSpan.FromSeconds(604800);

    /// <summary>Formats a time as <c>X-Amz-Date</c> (UTC, whole seconds).</summary>
    public static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString(AmzDateFormat, CultureInfo.InvariantCulture);

    /// <summary>Builds a credential scope, <c>YYYYMMDD/region/service/aws4_request</c>.</summary>
    public static string Scope(string date, string region, string service) => $"{date}/{region}/{service}/{Terminator}";

    /// <summary>Builds the canonical request from the headers listed in <paramref name="signedHeaders"/> only.</summary>
    /// <remarks>
    /// Header names are lowercased and sorted; each value is trimmed with inner whitespace runs collapsed, and repeated headers are joined
    /// with a comma in the order received. A listed header that is absent contributes an empty value. The payload line is the
    /// <c>x-amz-content-sha256</c> header when present, else <see cref="SignedRequest.PayloadSha256Hex"/>. Any <c>X-Amz-Signature</c>
    /// query parameter is left out, as it cannot sign itself.
    /// </remarks>
    /// <param name="request">The request as received.</param>
    /// <param name="signedHeaders">The header names the signature covers.</param>
    /// <param name="alreadyNormalizedPath">True to encode the path without removing dot segments and empty segments first.</param>
    public static string CanonicalRequest(SignedRequest request, IReadOnlyList<string> signedHeaders, bool alreadyNormalizedPath = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(signedHeaders);

        var names = CanonicalHeaderNames(signedHeaders);
        var builder = new StringBuilder(256);
        builder.Append(request.Method).Append('\n');
        builder.Append(CanonicalUri(request.RawPath, alreadyNormalizedPath)).Append('\n');
        builder.Append(CanonicalQueryString(request.RawQuery)).Append('\n');
        foreach (var name in names)
        {
            builder.Append(name).Append(':');
            var first = true;
            foreach (var value in request.HeaderValues(name))
            {
                if (!first)
                {
                    builder.Append(',');
                }

                AppendCanonicalHeaderValue(builder, value);
                first = false;
            }

            builder.Append('\n');
        }

        builder.Append('\n');
        builder.Append(string.Join(';', names)).Append('\n');
        builder.Append(PayloadHash(request));
        return builder.ToString();
    }

    /// <summary>Builds the canonical URI: the raw path normalized (unless <paramref name="alreadyNormalizedPath"/>), then percent-encoded with <c>/</c> kept.</summary>
    /// <remarks>Normalization removes <c>.</c> and <c>..</c> segments and empty segments (so <c>//</c> collapses) like botocore and the AWS SDK for JavaScript v3; a trailing slash survives unless nothing is left.</remarks>
    public static string CanonicalUri(string rawPath, bool alreadyNormalizedPath = false)
    {
        ArgumentNullException.ThrowIfNull(rawPath);
        var path = alreadyNormalizedPath ? rawPath : NormalizePath(rawPath);
        return path.Length == 0 ? "/" : PercentEncoding.Encode(path, keepSlash: true);
    }

    /// <summary>Builds the canonical query string: every parameter decoded then RFC 3986 encoded, sorted by name then value, <c>X-Amz-Signature</c> left out.</summary>
    public static string CanonicalQueryString(string rawQuery)
    {
        var parameters = QueryParameter.ParseAll(rawQuery)
            .Where(parameter => parameter.Name != "X-Amz-Signature")
            .OrderBy(parameter => parameter.CanonicalName, StringComparer.Ordinal)
            .ThenBy(parameter => parameter.CanonicalValue, StringComparer.Ordinal)
            .Select(parameter => parameter.CanonicalName + "=" + parameter.CanonicalValue);
        return string.Join('&', parameters);
    }

    /// <summary>Returns the payload line of the canonical request: the first <c>x-amz-content-sha256</c> header when present, else the body hash.</summary>
    public static string PayloadHash(SignedRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.FirstHeader("x-amz-content-sha256") ?? request.PayloadSha256Hex;
    }

    /// <summary>Builds the string to sign from the request time, the credential scope and the canonical request.</summary>
    public static string StringToSign(string amzDate, string scope, string canonicalRequest)
    {
        ArgumentNullException.ThrowIfNull(canonicalRequest);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest));
        return $"{Algorithm}\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(hash)}";
    }

    /// <summary>Derives the signing key for a secret, a scope date (<c>YYYYMMDD</c>), a region and a service.</summary>
    /// <remarks>The caller owns the returned key and should clear it with <see cref="CryptographicOperations.ZeroMemory"/> after use.</remarks>
    public static byte[] SigningKey(string secret, string date, string region, string service)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var secretKey = Encoding.UTF8.GetBytes("AWS4" + secret);
        var dateKey = HMACSHA256.HashData(secretKey, Encoding.UTF8.GetBytes(date));
        var regionKey = HMACSHA256.HashData(dateKey, Encoding.UTF8.GetBytes(region));
        var serviceKey = HMACSHA256.HashData(regionKey, Encoding.UTF8.GetBytes(service));
        var signingKey = HMACSHA256.HashData(serviceKey, Encoding.UTF8.GetBytes(Terminator));
        CryptographicOperations.ZeroMemory(secretKey);
        CryptographicOperations.ZeroMemory(dateKey);
        CryptographicOperations.ZeroMemory(regionKey);
        CryptographicOperations.ZeroMemory(serviceKey);
        return signingKey;
    }

    /// <summary>Signs a string to sign with a signing key and returns the signature as lowercase hex.</summary>
    public static string Signature(byte[] signingKey, string stringToSign) => Convert.ToHexStringLower(SignatureBytes(signingKey, stringToSign));

    /// <summary>Signs a request and returns the value of its <c>Authorization</c> header.</summary>
    /// <remarks>The request must already carry every header in <paramref name="signedHeaders"/>, including an <c>X-Amz-Date</c> equal to <paramref name="time"/> when that is signed.</remarks>
    public static string Sign(
        SignedRequest request,
        IReadOnlyList<string> signedHeaders,
        string accessKeyId,
        string secret,
        DateTimeOffset time,
        string region,
        string service)
    {
        var amzDate = AmzDate(time);
        var scope = Scope(amzDate[..8], region, service);
        var signature = SignCanonical(CanonicalRequest(request, signedHeaders), secret, amzDate, region, service);
        return $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={string.Join(';', CanonicalHeaderNames(signedHeaders))}, Signature={signature}";
    }

    /// <summary>Presigns a request and returns its new raw query string: the original parameters plus the <c>X-Amz-*</c> authentication parameters.</summary>
    /// <remarks>
    /// <c>host</c> is signed, as the AWS SDKs do for presigned URLs, and <c>x-amz-target</c> too when the request carries it, since it
    /// chooses the operation; the request must carry a <c>Host</c> header.
    /// </remarks>
    public static string PresignedQuery(
        SignedRequest request,
        string accessKeyId,
        string secret,
        DateTimeOffset time,
        string region,
        string service,
        TimeSpan expires,
        string? securityToken = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var amzDate = AmzDate(time);
        var scope = Scope(amzDate[..8], region, service);
        var parameters = new List<string>();
        if (request.RawQuery.Length > 0)
        {
            parameters.Add(request.RawQuery);
        }

        parameters.Add("X-Amz-Algorithm=" + Algorithm);
        parameters.Add("X-Amz-Credential=" + PercentEncoding.Encode(accessKeyId + "/" + scope, keepSlash: false));
        parameters.Add("X-Amz-Date=" + amzDate);
        parameters.Add("X-Amz-Expires=" + ((long)expires.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        if (securityToken is not null)
        {
            parameters.Add("X-Amz-Security-Token=" + PercentEncoding.Encode(securityToken, keepSlash: false));
        }

        string[] signedHeaders = request.FirstHeader("x-amz-target") is null ? ["host"] : ["host", "x-amz-target"];
        parameters.Add("X-Amz-SignedHeaders=" + PercentEncoding.Encode(string.Join(';', signedHeaders), keepSlash: false));
        var unsigned = request with { RawQuery = string.Join('&', parameters) };
        var signature = SignCanonical(CanonicalRequest(unsigned, signedHeaders), secret, amzDate, region, service);
        return unsigned.RawQuery + "&X-Amz-Signature=" + signature;
    }

    /// <summary>Computes the raw HMAC-SHA256 signature bytes of a string to sign.</summary>
    internal static byte[] SignatureBytes(byte[] signingKey, string stringToSign) =>
        HMACSHA256.HashData(signingKey, Encoding.UTF8.GetBytes(stringToSign));

    /// <summary>Lowercases and sorts signed header names as the canonical request lists them.</summary>
    internal static List<string> CanonicalHeaderNames(IReadOnlyList<string> signedHeaders) =>
        signedHeaders.Select(name => name.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();

    /// <summary>Removes dot segments and empty segments from a path as the AWS SDKs do (botocore <c>remove_dot_segments</c>).</summary>
    internal static string NormalizePath(string path)
    {
        if (path.Length == 0)
        {
            return "/";
        }

        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        var leading = path[0] == '/' ? "/" : string.Empty;
        var trailing = path[^1] == '/' && segments.Count > 0 ? "/" : string.Empty;
        return leading + string.Join('/', segments) + trailing;
    }

    private static string SignCanonical(string canonicalRequest, string secret, string amzDate, string region, string service)
    {
        var signingKey = SigningKey(secret, amzDate[..8], region, service);
        try
        {
            return Signature(signingKey, StringToSign(amzDate, Scope(amzDate[..8], region, service), canonicalRequest));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signingKey);
        }
    }

    private static void AppendCanonicalHeaderValue(StringBuilder builder, string value)
    {
        // Trim, and collapse every inner run of whitespace (including folded line breaks) to one space, as botocore and smithy do.
        var pendingSpace = false;
        var started = false;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = started;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
            started = true;
        }
    }
}
