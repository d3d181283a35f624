using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Signing;

namespace Tracevault.Core.Tests.Signing;

public sealed class SigV4VerifierTests
{
    private const string AccessKeyId = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Region = "us-east-1";
    private const string Service = "kms";
    private const string Host = "kms.us-east-1.amazonaws.com:4566";
    private const string Mismatch =
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. "
        + "Consult the service documentation for details.";

    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);
    private static readonly DateTimeOffset SignedAt = new(2024, 8, 20, 23, 1, 43, TimeSpan.Zero);
    private static readonly string[] DefaultSignedHeaders = ["content-type", "host", "x-amz-date", "x-amz-target"];

    private readonly SigV4Verifier verifier = new();

    [Fact]
    public void Verify_HeaderSignedRequest_Succeeds()
    {
        var result = Verify(Signed(Unsigned()), SignedAt);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(SignatureFailure.None, result.Failure);
        Assert.Equal(string.Empty, result.Message);
        Assert.Equal(AccessKeyId, result.AccessKeyId);
        Assert.Null(result.SecurityToken);
        Assert.False(result.PayloadUnsigned);
    }

    [Fact]
    public void Verify_NoAuthentication_MissingAuthenticationToken()
    {
        var result = Verify(Unsigned(), SignedAt);

        Assert.Equal(SignatureFailure.MissingAuthenticationToken, result.Failure);
        Assert.Equal("Missing Authentication Token", result.Message);
        Assert.Null(result.AccessKeyId);
    }

    [Theory]
    [InlineData("Signature")]
    [InlineData("Credential")]
    [InlineData("SignedHeaders")]
    public void Verify_AuthorizationWithoutPart_IncompleteSignatureNamingIt(string part)
    {
        var signed = Signed(Unsigned());
        var authorization = Header(signed, "Authorization")!;
        var parts = authorization["AWS4-HMAC-SHA256 ".Length..].Split(", ").Where(item => !item.StartsWith(part + "=", StringComparison.Ordinal));
        var stripped = "AWS4-HMAC-SHA256 " + string.Join(", ", parts);

        var result = Verify(WithHeader(signed, "Authorization", stripped), SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal($"Authorization header requires '{part}' parameter. Authorization={stripped}", result.Message);
    }

    [Fact]
    public void Verify_NoDateHeader_IncompleteSignatureNamingIt()
    {
        var signed = Signed(Unsigned());
        var withoutDate = signed with { Headers = signed.Headers.Where(header => header.Key != "X-Amz-Date").ToList() };

        var result = Verify(withoutDate, SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.StartsWith("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AKIDEXAMPLE/20240820/us-east-1/kms")]
    [InlineData("AKIDEXAMPLE/20240820/us-east-1/kms/aws4_request/extra")]
    [InlineData("/20240820/us-east-1/kms/aws4_request")]
    public void Verify_MalformedCredential_IncompleteSignature(string credential)
    {
        var signed = Signed(Unsigned());
        var authorization = Header(signed, "Authorization")!.Replace($"{AccessKeyId}/20240820/us-east-1/kms/aws4_request", credential, StringComparison.Ordinal);

        var result = Verify(WithHeader(signed, "Authorization", authorization), SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Contains($"got '{credential}'", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OtherAuthorizationScheme_IncompleteSignatureWithoutEchoingIt()
    {
        var result = Verify(WithHeader(Unsigned(), "Authorization", "Basic dXNlcjpwYXNzd29yZA=="), SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.DoesNotContain("dXNlcjpwYXNzd29yZA", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AuthorizationPartWithoutEquals_IncompleteSignatureWithHashedHeader()
    {
        var signed = Signed(Unsigned());
        var authorization = Header(signed, "Authorization")! + ", Bogus";

        var result = Verify(WithHeader(signed, "Authorization", authorization), SignedAt);

        var digest = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)));
        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal(
            $"Invalid key=value pair (missing equal-sign) in Authorization header (hashed with SHA-256 and encoded with Base64): '{digest}'.",
            result.Message);
    }

    [Fact]
    public void Verify_HostNotSigned_IncompleteSignature()
    {
        var result = Verify(Signed(Unsigned(), ["content-type", "x-amz-date", "x-amz-target"]), SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.", result.Message);
    }

    [Fact]
    public void Verify_DateNotSigned_IncompleteSignature()
    {
        var result = Verify(Signed(Unsigned(), ["content-type", "host", "x-amz-target"]), SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal("'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.", result.Message);
    }

    [Fact]
    public void Verify_MalformedAmzDate_IncompleteSignature()
    {
        var result = Verify(WithHeader(Signed(Unsigned()), "X-Amz-Date", "2024-08-20T23:01:43Z"), SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\".", result.Message);
    }

    [Fact]
    public void Verify_TwoAuthorizationHeaders_IncompleteSignature()
    {
        var signed = Signed(Unsigned());
        var doubled = signed with { Headers = [.. signed.Headers, new("authorization", Header(signed, "Authorization")!)] };

        Assert.Equal(SignatureFailure.IncompleteSignature, Verify(doubled, SignedAt).Failure);
    }

    [Fact]
    public void Verify_UnknownAccessKey_UnrecognizedClient()
    {
        var result = verifier.Verify(Signed(Unsigned()), _ => null, SignedAt, Region, Service, Skew);

        Assert.Equal(SignatureFailure.UnrecognizedClient, result.Failure);
        Assert.Equal("The security token included in the request is invalid.", result.Message);
        Assert.Equal(AccessKeyId, result.AccessKeyId);
    }

    [Fact]
    public void Verify_UnknownAccessKeyAndBadSignature_UnrecognizedClientFirst()
    {
        var signed = Signed(Unsigned());
        var tampered = WithHeader(signed, "X-Amz-Target", "TrentService.Decrypt");

        Assert.Equal(SignatureFailure.UnrecognizedClient, verifier.Verify(tampered, _ => null, SignedAt, Region, Service, Skew).Failure);
    }

    [Fact]
    public void Verify_SignedMoreThanSkewAgo_SignatureExpiredWithAwsMessage()
    {
        var result = Verify(Signed(Unsigned()), new DateTimeOffset(2024, 8, 20, 23, 8, 2, TimeSpan.Zero));

        Assert.Equal(SignatureFailure.SignatureExpired, result.Failure);
        Assert.Equal("Signature expired: 20240820T230143Z is now earlier than 20240820T230302Z (20240820T230802Z - 5 min.)", result.Message);
    }

    [Fact]
    public void Verify_SignedSixMinutesAhead_SignatureNotYetCurrentWithAwsMessage()
    {
        var result = Verify(Signed(Unsigned()), SignedAt - TimeSpan.FromMinutes(6));

        Assert.Equal(SignatureFailure.SignatureExpired, result.Failure);
        Assert.Equal("Signature not yet current: 20240820T230143Z is still later than 20240820T230043Z (20240820T225543Z + 5 min.)", result.Message);
    }

    [Fact]
    public void Verify_SignedSixMinutesAgoWithFifteenMinuteSkew_SucceedsAndFormatsOtherSkews()
    {
        Assert.True(verifier.Verify(Signed(Unsigned()), Lookup, SignedAt + TimeSpan.FromMinutes(6), Region, Service, TimeSpan.FromMinutes(15)).Succeeded);

        var result = verifier.Verify(Signed(Unsigned()), Lookup, SignedAt + TimeSpan.FromMinutes(2), Region, Service, TimeSpan.FromSeconds(90));
        Assert.Equal("Signature expired: 20240820T230143Z is now earlier than 20240820T230213Z (20240820T230343Z - 90 sec.)", result.Message);
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    public void Verify_SkewExactlyAtTheLimit_Succeeds(int seconds)
    {
        Assert.True(Verify(Signed(Unsigned()), SignedAt + TimeSpan.FromSeconds(seconds)).Succeeded);
    }

    [Fact]
    public void Verify_WrongRegion_InvalidScope()
    {
        var result = Verify(Signed(Unsigned(), region: "eu-west-1"), SignedAt);

        Assert.Equal(SignatureFailure.InvalidScope, result.Failure);
        Assert.Equal("Credential should be scoped to a valid region, not 'eu-west-1'.", result.Message);
    }

    [Fact]
    public void Verify_WrongService_InvalidScope()
    {
        var result = Verify(Signed(Unsigned(), service: "xray"), SignedAt);

        Assert.Equal(SignatureFailure.InvalidScope, result.Failure);
        Assert.Equal("Credential should be scoped to correct service: 'kms'.", result.Message);
    }

    [Fact]
    public void Verify_ScopeDateDiffersFromAmzDate_InvalidScope()
    {
        var signed = Signed(Unsigned());
        var authorization = Header(signed, "Authorization")!.Replace("/20240820/", "/20240819/", StringComparison.Ordinal);

        var result = Verify(WithHeader(signed, "Authorization", authorization), SignedAt);

        Assert.Equal(SignatureFailure.InvalidScope, result.Failure);
        Assert.Equal(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240819' != '20240820', from '20240820T230143Z'.",
            result.Message);
    }

    [Fact]
    public void Verify_WrongTerminator_InvalidScope()
    {
        var signed = Signed(Unsigned());
        var authorization = Header(signed, "Authorization")!.Replace("/aws4_request", "/aws5_request", StringComparison.Ordinal);

        var result = Verify(WithHeader(signed, "Authorization", authorization), SignedAt);

        Assert.Equal(SignatureFailure.InvalidScope, result.Failure);
    }

    [Fact]
    public void Verify_WrongSecret_InvalidSignature()
    {
        var result = verifier.Verify(Signed(Unsigned()), _ => Secret + "x", SignedAt, Region, Service, Skew);

        Assert.Equal(SignatureFailure.InvalidSignature, result.Failure);
        Assert.Equal(Mismatch, result.Message);
    }

    [Theory]
    [InlineData("X-Amz-Target", "TrentService.Decrypt")]
    [InlineData("Host", "kms.us-east-1.amazonaws.com:4567")]
    [InlineData("Content-Type", "application/x-amz-json-1.0")]
    public void Verify_SignedHeaderChanged_InvalidSignature(string name, string value)
    {
        Assert.Equal(SignatureFailure.InvalidSignature, Verify(WithHeader(Signed(Unsigned()), name, value), SignedAt).Failure);
    }

    [Fact]
    public void Verify_BodyChanged_InvalidSignature()
    {
        var tampered = Signed(Unsigned()) with { PayloadSha256Hex = Sha256Hex("{\"KeyId\":\"alias/other\"}") };

        Assert.Equal(SignatureFailure.InvalidSignature, Verify(tampered, SignedAt).Failure);
    }

    [Fact]
    public void Verify_UnsignedHeaderAdded_Succeeds()
    {
        var signed = Signed(Unsigned());
        var withExtra = signed with { Headers = [.. signed.Headers, new("User-Agent", "aws-sdk-js/3"), new("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793")] };

        Assert.True(Verify(withExtra, SignedAt).Succeeded);
    }

    [Fact]
    public void Verify_UppercaseOrShortSignature_InvalidSignature()
    {
        var signed = Signed(Unsigned());
        var authorization = Header(signed, "Authorization")!;
        var signature = authorization[^64..];

        Assert.Equal(SignatureFailure.InvalidSignature, Verify(WithHeader(signed, "Authorization", authorization[..^64] + signature.ToUpperInvariant()), SignedAt).Failure);
        Assert.Equal(SignatureFailure.InvalidSignature, Verify(WithHeader(signed, "Authorization", authorization[..^1]), SignedAt).Failure);
    }

    [Fact]
    public void Verify_SignedSessionToken_ReturnsIt()
    {
        var request = WithHeader(Unsigned(), "X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLE");

        var result = Verify(Signed(request, [.. DefaultSignedHeaders, "x-amz-security-token"]), SignedAt);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal("FwoGZXIvYXdzEXAMPLE", result.SecurityToken);
    }

    [Fact]
    public void Verify_SessionTokenAddedAfterSigning_SucceedsAndReturnsIt()
    {
        var signed = WithHeader(Signed(Unsigned()), "X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLE");

        var result = Verify(signed, SignedAt);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal("FwoGZXIvYXdzEXAMPLE", result.SecurityToken);
    }

    [Fact]
    public void Verify_DateHeaderInsteadOfAmzDate_Succeeds()
    {
        var request = Unsigned() with
        {
            Headers = [new("Host", Host), new("Date", "Tue, 20 Aug 2024 23:01:43 GMT"), new("Content-Type", "application/x-amz-json-1.1")],
        };

        var result = Verify(Signed(request, ["content-type", "date", "host"]), SignedAt);

        Assert.True(result.Succeeded, result.Message);
    }

    [Fact]
    public void Verify_ContentSha256MatchingBody_Succeeds()
    {
        var request = WithHeader(Unsigned(), "X-Amz-Content-Sha256", Sha256Hex(Body));

        Assert.True(Verify(Signed(request, [.. DefaultSignedHeaders, "x-amz-content-sha256"]), SignedAt).Succeeded);
    }

    [Fact]
    public void Verify_ContentSha256NotMatchingBody_InvalidSignature()
    {
        var request = WithHeader(Unsigned(), "X-Amz-Content-Sha256", Sha256Hex(Body));
        var signed = Signed(request, [.. DefaultSignedHeaders, "x-amz-content-sha256"]) with { PayloadSha256Hex = Sha256Hex("{}") };

        var result = Verify(signed, SignedAt);

        Assert.Equal(SignatureFailure.InvalidSignature, result.Failure);
        Assert.Equal("The provided 'x-amz-content-sha256' header does not match what was computed.", result.Message);
    }

    [Fact]
    public void Verify_UnsignedPayload_SucceedsAndSaysSo()
    {
        var request = WithHeader(Unsigned(), "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD");
        var signed = Signed(request, [.. DefaultSignedHeaders, "x-amz-content-sha256"]) with { PayloadSha256Hex = Sha256Hex("anything") };

        var result = Verify(signed, SignedAt);

        Assert.True(result.Succeeded, result.Message);
        Assert.True(result.PayloadUnsigned);
    }

    [Fact]
    public void Verify_TargetHeaderNotSigned_IncompleteSignature()
    {
        var result = Verify(Signed(Unsigned(), ["content-type", "host", "x-amz-date"]), SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.", result.Message);
    }

    [Fact]
    public void Verify_PresignedLongerThanMaxLifetime_IncompleteSignature()
    {
        var limited = new SigV4Verifier { MaxPresignedLifetime = TimeSpan.FromMinutes(15) };
        var presigned = Presigned(Unsigned(), TimeSpan.FromMinutes(16));

        var result = limited.Verify(presigned, Lookup, SignedAt, Region, Service, Skew);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal("X-Amz-Expires must be at most 900 seconds for this service.", result.Message);
        Assert.True(limited.Verify(Presigned(Unsigned(), TimeSpan.FromMinutes(15)), Lookup, SignedAt, Region, Service, Skew).Succeeded);
    }

    [Fact]
    public void Verify_PresignedQuery_SucceedsUntilExpiry()
    {
        var presigned = Presigned(Unsigned(), TimeSpan.FromMinutes(10));

        var atSigning = Verify(presigned, SignedAt);
        var atExpiry = Verify(presigned, SignedAt + TimeSpan.FromMinutes(10));
        var afterExpiry = Verify(presigned, SignedAt + TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        Assert.True(atSigning.Succeeded, atSigning.Message);
        Assert.Equal(AccessKeyId, atSigning.AccessKeyId);
        Assert.True(atExpiry.Succeeded, atExpiry.Message);
        Assert.Equal(SignatureFailure.SignatureExpired, afterExpiry.Failure);
        Assert.Equal("Signature expired: 20240820T230143Z is now earlier than 20240820T230144Z (20240820T231144Z - 10 min.)", afterExpiry.Message);
    }

    [Fact]
    public void Verify_PresignedQueryWithOwnParametersAndToken_SucceedsAndReturnsToken()
    {
        var request = Unsigned() with { RawQuery = "Action=ListKeys&Version=2014-11-01" };

        var result = Verify(Presigned(request, TimeSpan.FromSeconds(60), "token/with+special=chars"), SignedAt + TimeSpan.FromSeconds(30));

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal("token/with+special=chars", result.SecurityToken);
    }

    [Fact]
    public void Verify_PresignedQuerySignedInTheFuture_SignatureNotYetCurrent()
    {
        var result = Verify(Presigned(Unsigned(), TimeSpan.FromMinutes(10)), SignedAt - TimeSpan.FromMinutes(6));

        Assert.Equal(SignatureFailure.SignatureExpired, result.Failure);
        Assert.StartsWith("Signature not yet current:", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PresignedQueryTampered_InvalidSignature()
    {
        var presigned = Presigned(Unsigned() with { RawQuery = "Action=ListKeys" }, TimeSpan.FromMinutes(10));

        var result = Verify(presigned with { RawQuery = presigned.RawQuery.Replace("ListKeys", "ListKeyz", StringComparison.Ordinal) }, SignedAt);

        Assert.Equal(SignatureFailure.InvalidSignature, result.Failure);
    }

    [Fact]
    public void Verify_PresignedQueryWithoutSignature_IncompleteSignatureNamingIt()
    {
        var presigned = Presigned(Unsigned(), TimeSpan.FromMinutes(10));
        var query = string.Join('&', presigned.RawQuery.Split('&').Where(pair => !pair.StartsWith("X-Amz-Signature=", StringComparison.Ordinal)));

        var result = Verify(presigned with { RawQuery = query }, SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal("AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.", result.Message);
    }

    [Theory]
    [InlineData("604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800.")]
    [InlineData("-1", "X-Amz-Expires must be non-negative.")]
    [InlineData("soon", "X-Amz-Expires should be a number.")]
    public void Verify_PresignedQueryWithBadExpiry_IncompleteSignature(string expires, string message)
    {
        var presigned = Presigned(Unsigned(), TimeSpan.FromMinutes(10));
        var query = presigned.RawQuery.Replace("X-Amz-Expires=600", "X-Amz-Expires=" + expires, StringComparison.Ordinal);

        var result = Verify(presigned with { RawQuery = query }, SignedAt);

        Assert.Equal(SignatureFailure.IncompleteSignature, result.Failure);
        Assert.Equal(message, result.Message);
    }

    [Fact]
    public void Verify_PresignedQueryForOtherService_InvalidScope()
    {
        var request = Unsigned();
        var presigned = request with { RawQuery = SigV4.PresignedQuery(request, AccessKeyId, Secret, SignedAt, Region, "xray", TimeSpan.FromMinutes(1)) };

        Assert.Equal(SignatureFailure.InvalidScope, Verify(presigned, SignedAt).Failure);
    }

    [Fact]
    public void Verify_AnyFailure_NeverMentionsTheSecret()
    {
        var signed = Signed(Unsigned());
        var results = new[]
        {
            verifier.Verify(signed, _ => Secret + "x", SignedAt, Region, Service, Skew),
            verifier.Verify(signed, Lookup, SignedAt + TimeSpan.FromHours(1), Region, Service, Skew),
            verifier.Verify(signed, Lookup, SignedAt, "eu-west-1", Service, Skew),
            verifier.Verify(WithHeader(signed, "X-Amz-Date", "garbage"), Lookup, SignedAt, Region, Service, Skew),
        };

        Assert.All(results, result =>
        {
            Assert.False(result.Succeeded);
            Assert.DoesNotContain(Secret, result.Message, StringComparison.Ordinal);
        });
    }

    private const string Body = "{\"KeyId\":\"alias/tracevault\",\"Plaintext\":\"aGVsbG8=\"}";

    private static string? Lookup(string accessKeyId) => accessKeyId == AccessKeyId ? Secret : null;

    private SignatureVerification Verify(SignedRequest request, DateTimeOffset now) =>
        verifier.Verify(request, Lookup, now, Region, Service, Skew);

    private static SignedRequest Unsigned() =>
        new(
            "POST",
            "/",
            string.Empty,
            [
                new("Host", Host),
                new("X-Amz-Date", SigV4.AmzDate(SignedAt)),
                new("Content-Type", "application/x-amz-json-1.1"),
                new("X-Amz-Target", "TrentService.Encrypt"),
            ],
            Sha256Hex(Body));

    private static SignedRequest Signed(SignedRequest request, IReadOnlyList<string>? signedHeaders = null, string region = Region, string service = Service) =>
        WithHeader(request, "Authorization", SigV4.Sign(request, signedHeaders ?? DefaultSignedHeaders, AccessKeyId, Secret, SignedAt, region, service));

    private static SignedRequest Presigned(SignedRequest request, TimeSpan expires, string? token = null) =>
        request with { RawQuery = SigV4.PresignedQuery(request, AccessKeyId, Secret, SignedAt, Region, Service, expires, token) };

    private static SignedRequest WithHeader(SignedRequest request, string name, string value)
    {
        var headers = request.Headers.ToList();
        var index = headers.FindIndex(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            headers.Add(new(name, value));
        }
        else
        {
            headers[index] = new(headers[index].Key, value);
        }

        return request with { Headers = headers };
    }

    private static string? Header(SignedRequest request, string name) =>
        request.Headers.Where(header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Select(header => header.Value).FirstOrDefault();

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
