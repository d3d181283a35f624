using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tracevault.Core.Signing;

// Reading the authentication information from the Authorization header or the presigned query string.
public sealed partial class SigV4Verifier
{
    private const string HostNotSigned = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
    private const string AmzDateFormatMessage = "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".";

    private static readonly string[] QueryAuthParameters =
        ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"];

    private static bool TryReadAuthorization(
        SignedRequest request,
        IReadOnlyList<QueryParameter> query,
        [NotNullWhen(true)] out SigV4Authorization? authorization,
        [NotNullWhen(false)] out SignatureVerification? failure)
    {
        var headers = request.HeaderValues("authorization").ToList();
        if (headers.Count > 1)
        {
            return Incomplete("A request must carry at most one Authorization header.", null, out authorization, out failure);
        }

        if (headers.Count == 1)
        {
            return TryReadHeader(request, query, headers[0].Trim(), out authorization, out failure);
        }

        if (query.Any(parameter => parameter.Name is "X-Amz-Algorithm" or "X-Amz-Credential" or "X-Amz-SignedHeaders" or "X-Amz-Signature"))
        {
            return TryReadQuery(request, query, out authorization, out failure);
        }

        authorization = null;
        failure = new SignatureVerification(SignatureFailure.MissingAuthenticationToken, "Missing Authentication Token", null, null);
        return false;
    }

    private static bool TryReadHeader(
        SignedRequest request,
        IReadOnlyList<QueryParameter> query,
        string header,
        [NotNullWhen(true)] out SigV4Authorization? authorization,
        [NotNullWhen(false)] out SignatureVerification? failure)
    {
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        var algorithm = space < 0 ? header : header[..space];
        if (algorithm != SigV4.Algorithm)
        {
            // Not echoed: another scheme (Basic, Bearer) may carry a real secret.
            return Incomplete($"Unsupported AWS 'algorithm': the Authorization header must start with '{SigV4.Algorithm}'.", null, out authorization, out failure);
        }

        string? credentialText = null, signedHeadersText = null, signature = null;
        foreach (var part in (space < 0 ? string.Empty : header[(space + 1)..]).Split(','))
        {
            var item = part.Trim();
            if (item.Length == 0)
            {
                continue;
            }

            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                var digest = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(header)));
                return Incomplete(
                    $"Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '{digest}'.",
                    null,
                    out authorization,
                    out failure);
            }

            var value = item[(equals + 1)..].Trim();
            switch (item[..equals].Trim())
            {
                case "Credential":
                    credentialText ??= value;
                    break;
                case "SignedHeaders":
                    signedHeadersText ??= value;
                    break;
                case "Signature":
                    signature ??= value;
                    break;
            }
        }

        var amzDateText = request.FirstHeader("x-amz-date");
        var dateText = request.FirstHeader("date");
        var missing = new List<string>();
        if (string.IsNullOrEmpty(credentialText))
        {
            missing.Add("Authorization header requires 'Credential' parameter.");
        }

        if (string.IsNullOrEmpty(signature))
        {
            missing.Add("Authorization header requires 'Signature' parameter.");
        }

        if (string.IsNullOrEmpty(signedHeadersText))
        {
            missing.Add("Authorization header requires 'SignedHeaders' parameter.");
        }

        if (amzDateText is null && dateText is null)
        {
            missing.Add("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }

        if (missing.Count > 0 || credentialText is null || signedHeadersText is null || signature is null)
        {
            return Incomplete($"{string.Join(' ', missing)} Authorization={header}", null, out authorization, out failure);
        }

        if (!TryReadCommon(credentialText, signedHeadersText, out var credential, out var signedHeaders, out var problem))
        {
            return Incomplete(problem, credential?.AccessKeyId, out authorization, out failure);
        }

        DateTimeOffset requestTime;
        string timeHeader;
        if (amzDateText is not null)
        {
            timeHeader = "x-amz-date";
            if (!TryParseAmzDate(amzDateText, out requestTime))
            {
                return Incomplete(AmzDateFormatMessage, credential.AccessKeyId, out authorization, out failure);
            }
        }
        else
        {
            timeHeader = "date";
            if (!DateTimeOffset.TryParseExact(dateText, "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out requestTime))
            {
                return Incomplete("Date must be in the RFC 1123 format, e.g. \"Sun, 30 Aug 2015 12:36:00 GMT\".", credential.AccessKeyId, out authorization, out failure);
            }
        }

        // An unsigned time could be replaced to replay the request for the rest of its scope day.
        if (!signedHeaders.Contains(timeHeader, StringComparer.OrdinalIgnoreCase))
        {
            var name = timeHeader == "date" ? "Date" : "X-Amz-Date";
            return Incomplete($"'{name}' must be a 'SignedHeader' in the AWS Authorization.", credential.AccessKeyId, out authorization, out failure);
        }

        var token = request.FirstHeader("x-amz-security-token") ?? FindQueryValue(query, "X-Amz-Security-Token");
        authorization = new SigV4Authorization(credential, signedHeaders, signature, requestTime, null, token);
        failure = null;
        return true;
    }

    private static bool TryReadQuery(
        SignedRequest request,
        IReadOnlyList<QueryParameter> query,
        [NotNullWhen(true)] out SigV4Authorization? authorization,
        [NotNullWhen(false)] out SignatureVerification? failure)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in query)
        {
            if (Array.IndexOf(QueryAuthParameters, parameter.Name) >= 0 && !values.TryAdd(parameter.Name, parameter.Value))
            {
                return Incomplete($"AWS query-string parameter '{parameter.Name}' must appear only once.", null, out authorization, out failure);
            }
        }

        var missing = QueryAuthParameters
            .Where(name => !values.TryGetValue(name, out var value) || value.Length == 0)
            .Select(name => $"AWS query-string parameters must include '{name}'.")
            .ToList();
        if (missing.Count > 0)
        {
            return Incomplete($"{string.Join(' ', missing)} Re-examine the query-string parameters.", null, out authorization, out failure);
        }

        if (values["X-Amz-Algorithm"] != SigV4.Algorithm)
        {
            return Incomplete($"X-Amz-Algorithm only supports \"{SigV4.Algorithm}\".", null, out authorization, out failure);
        }

        if (!TryReadCommon(values["X-Amz-Credential"], values["X-Amz-SignedHeaders"], out var credential, out var signedHeaders, out var problem))
        {
            return Incomplete(problem, credential?.AccessKeyId, out authorization, out failure);
        }

        if (!TryParseAmzDate(values["X-Amz-Date"], out var requestTime))
        {
            return Incomplete(AmzDateFormatMessage, credential.AccessKeyId, out authorization, out failure);
        }

        if (!long.TryParse(values["X-Amz-Expires"], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var expiresSeconds))
        {
            return Incomplete("X-Amz-Expires should be a number.", credential.AccessKeyId, out authorization, out failure);
        }

        if (expiresSeconds < 0)
        {
            return Incomplete("X-Amz-Expires must be non-negative.", credential.AccessKeyId, out authorization, out failure);
        }

        if (expiresSeconds > (long)SigV4.MaxPresignedExpiry.TotalSeconds)
        {
            return Incomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800.", credential.AccessKeyId, out authorization, out failure);
        }

        var token = FindQueryValue(query, "X-Amz-Security-Token") ?? request.FirstHeader("x-amz-security-token");
        var expires = TimeSpan.FromSeconds(expiresSeconds);
        authorization = new SigV4Authorization(credential, signedHeaders, values["X-Amz-Signature"], requestTime, expires, token);
        failure = null;
        return true;
    }

    private static bool TryReadCommon(
        string credentialText,
        string signedHeadersText,
        [NotNullWhen(true)] out CredentialScope? credential,
        out IReadOnlyList<string> signedHeaders,
        out string problem)
    {
        signedHeaders = [];
        credential = CredentialScope.Parse(credentialText);
        if (credential is null)
        {
            problem = "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                + $"got '{credentialText}'.";
            return false;
        }

        var names = signedHeadersText.Split(';');
        if (Array.Exists(names, name => name.Length == 0 || name.Trim().Length != name.Length))
        {
            problem = $"SignedHeaders must be a ';'-separated list of header names, got '{signedHeadersText}'.";
            return false;
        }

        if (!names.Contains("host", StringComparer.OrdinalIgnoreCase))
        {
            problem = HostNotSigned;
            return false;
        }

        signedHeaders = names;
        problem = string.Empty;
        return true;
    }

    private static bool TryParseAmzDate(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParseExact(
            text,
            SigV4.AmzDateFormat,
            CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
            out time);

    private static string? FindQueryValue(IReadOnlyList<QueryParameter> query, string name) =>
        query.FirstOrDefault(parameter => parameter.Name == name)?.Value;

    private static bool Incomplete(
        string message,
        string? accessKeyId,
        out SigV4Authorization? authorization,
        out SignatureVerification? failure)
    {
        authorization = null;
        failure = new SignatureVerification(SignatureFailure.IncompleteSignature, message, accessKeyId, null);
        return false;
    }
}
