using System.Globalization;
using System.Security.Cryptography;

namespace Tracevault.Core.Signing;

/// <summary>Verifies AWS Signature Version 4 requests, signed in the Authorization header or presigned in the query string.</summary>
/// <remarks>
/// Stateless and thread-safe. The checks run in the order AWS documents: read and parse the authentication information, look up the
/// access key, check the credential scope, check the time, then recompute the signature and compare it in constant time.
/// Messages copy the wording of AWS where it is known; none ever contains a secret or a signing key.
/// </remarks>
public sealed partial class SigV4Verifier
{
    private const string TargetNotSigned = "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.";

    private const string MismatchMessage =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. "
        + "Consult the service documentation for details.";

    /// <summary>Gets the longest lifetime (<c>X-Amz-Expires</c>) a presigned request may ask for; seven days unless the host sets less.</summary>
    public TimeSpan MaxPresignedLifetime { get; init; } = SigV4.MaxPresignedExpiry;

    /// <summary>Verifies a request against the secret of its access key, the server's clock, region and service, and the allowed clock skew.</summary>
    /// <param name="request">The request as received.</param>
    /// <param name="secretLookup">Returns the secret access key for an access key id, or null when the key is unknown.</param>
    /// <param name="now">The server's current time.</param>
    /// <param name="region">The region the credential scope must name, e.g. <c>us-east-1</c>.</param>
    /// <param name="service">The service the credential scope must name, e.g. <c>kms</c>.</param>
    /// <param name="allowedSkew">How far the request time may lie from <paramref name="now"/> in either direction (AWS KMS uses 5 minutes).</param>
    /// <remarks>
    /// Beyond the signature itself: <c>host</c>, and the header that carries the time (<c>x-amz-date</c>, else <c>date</c>), must be
    /// signed, or the result is <see cref="SignatureFailure.IncompleteSignature"/>, since an unsigned host or time would let a
    /// request be redirected or replayed; so must <c>x-amz-target</c> whenever the request carries it, since it chooses the operation.
    /// A presigned request asking for more than <see cref="MaxPresignedLifetime"/> is <see cref="SignatureFailure.IncompleteSignature"/>. A presigned request is valid from <paramref name="allowedSkew"/> before its
    /// <c>X-Amz-Date</c> until <c>X-Amz-Expires</c> after it. An <c>x-amz-content-sha256</c> other than <c>UNSIGNED-PAYLOAD</c> must
    /// equal <see cref="SignedRequest.PayloadSha256Hex"/>; <c>UNSIGNED-PAYLOAD</c> is accepted and reported as
    /// <see cref="SignatureVerification.PayloadUnsigned"/>, so the host can refuse it where the body must be covered.
    /// </remarks>
    public SignatureVerification Verify(
        SignedRequest request,
        Func<string, string?> secretLookup,
        DateTimeOffset now,
        string region,
        string service,
        TimeSpan allowedSkew)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(secretLookup);
        ArgumentNullException.ThrowIfNull(region);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentOutOfRangeException.ThrowIfLessThan(allowedSkew, TimeSpan.Zero);

        var query = QueryParameter.ParseAll(request.RawQuery);
        if (!TryReadAuthorization(request, query, out var authorization, out var failure))
        {
            return failure;
        }

        var credential = authorization.Credential;
        var accessKeyId = credential.AccessKeyId;

        // The target header chooses the operation: unsigned, the same signature would serve any operation taking the same body.
        if (request.FirstHeader("x-amz-target") is not null && !authorization.SignedHeaders.Contains("x-amz-target", StringComparer.OrdinalIgnoreCase))
        {
            return new SignatureVerification(SignatureFailure.IncompleteSignature, TargetNotSigned, accessKeyId, null);
        }

        if (authorization.Expires > MaxPresignedLifetime)
        {
            var limit = (long)MaxPresignedLifetime.TotalSeconds;
            return new SignatureVerification(
                SignatureFailure.IncompleteSignature,
                string.Create(CultureInfo.InvariantCulture, $"X-Amz-Expires must be at most {limit} seconds for this service."),
                accessKeyId,
                null);
        }

        var token = authorization.SecurityToken;
        SignatureVerification Fail(SignatureFailure reason, string message) => new(reason, message, accessKeyId, token);

        var secret = secretLookup(accessKeyId);
        if (secret is null)
        {
            return Fail(SignatureFailure.UnrecognizedClient, "The security token included in the request is invalid.");
        }

        var amzDate = SigV4.AmzDate(authorization.RequestTime);
        if (ScopeProblem(credential, amzDate, region, service) is { } scopeProblem)
        {
            return Fail(SignatureFailure.InvalidScope, scopeProblem);
        }

        if (TimeProblem(authorization, now, allowedSkew) is { } timeProblem)
        {
            return Fail(SignatureFailure.SignatureExpired, timeProblem);
        }

        var canonicalRequest = SigV4.CanonicalRequest(request, authorization.SignedHeaders);
        var stringToSign = SigV4.StringToSign(amzDate, credential.Scope, canonicalRequest);
        var signingKey = SigV4.SigningKey(secret, credential.Date, credential.Region, credential.Service);
        byte[] expected;
        try
        {
            expected = SigV4.SignatureBytes(signingKey, stringToSign);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signingKey);
        }

        if (!IsLowercaseHex(authorization.Signature, expected.Length * 2)
            || !CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(authorization.Signature)))
        {
            return Fail(SignatureFailure.InvalidSignature, MismatchMessage);
        }

        // A signed x-amz-content-sha256 only protects the body if it is the body's hash: otherwise the body could be swapped freely.
        var declaredPayload = request.FirstHeader("x-amz-content-sha256");
        var payloadUnsigned = declaredPayload == SigV4.UnsignedPayload;
        if (declaredPayload is not null && !payloadUnsigned
            && !string.Equals(declaredPayload, request.PayloadSha256Hex, StringComparison.OrdinalIgnoreCase))
        {
            return Fail(SignatureFailure.InvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        return new SignatureVerification(SignatureFailure.None, string.Empty, accessKeyId, token) { PayloadUnsigned = payloadUnsigned };
    }

    private static string? ScopeProblem(CredentialScope credential, string amzDate, string region, string service)
    {
        if (credential.Date != amzDate[..8])
        {
            return "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                + $"'{credential.Date}' != '{amzDate[..8]}', from '{amzDate}'.";
        }

        if (credential.Region != region)
        {
            return $"Credential should be scoped to a valid region, not '{credential.Region}'.";
        }

        if (credential.Service != service)
        {
            return $"Credential should be scoped to correct service: '{service}'.";
        }

        if (credential.Terminator != SigV4.Terminator)
        {
            return $"Credential should be scoped with a valid terminator: '{SigV4.Terminator}', not '{credential.Terminator}'.";
        }

        return null;
    }

    private static string? TimeProblem(SigV4Authorization authorization, DateTimeOffset now, TimeSpan allowedSkew)
    {
        var signed = authorization.RequestTime;
        if (signed > now + allowedSkew)
        {
            return $"Signature not yet current: {SigV4.AmzDate(signed)} is still later than {SigV4.AmzDate(now + allowedSkew)} "
                + $"({SigV4.AmzDate(now)} + {Describe(allowedSkew)})";
        }

        // A presigned request is valid for X-Amz-Expires from its signing time; a header-signed one for the skew either side of now.
        var lifetime = authorization.Expires ?? allowedSkew;
        if (signed < now - lifetime)
        {
            return $"Signature expired: {SigV4.AmzDate(signed)} is now earlier than {SigV4.AmzDate(now - lifetime)} "
                + $"({SigV4.AmzDate(now)} - {Describe(lifetime)})";
        }

        return null;
    }

    private static string Describe(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerMinute == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)span.TotalMinutes} min.")
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} sec.");

    private static bool IsLowercaseHex(string value, int length)
    {
        if (value.Length != length)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
