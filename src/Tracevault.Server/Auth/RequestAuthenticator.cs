using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.Features;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Core.Signing;
using Tracevault.Keys.Identity;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;
using Tracevault.Server.XRay;

namespace Tracevault.Server.Auth;

/// <summary>Turns an HTTP request into a <see cref="Caller"/> by verifying its AWS Signature Version 4.</summary>
public sealed class RequestAuthenticator
{
    private static readonly PolicyDocument LocalSamplingPolicy = PolicyDocument.Parse(
        """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:GetSamplingRules","xray:GetSamplingTargets"],"Resource":"*"}]}""");

    private readonly IdentityService _identity;
    private readonly DataDirectory _data;
    private readonly ServerOptions _options;
    private readonly TimeProvider _time;
    /// <summary>The longest lifetime a presigned (query-string) request may ask for: the 15 minutes AWS allows a signed request's clock to be off, not S3's seven days.</summary>
    private static readonly TimeSpan MaxPresignedLifetime = TimeSpan.FromMinutes(15);

    private readonly SigV4Verifier _verifier = new() { MaxPresignedLifetime = MaxPresignedLifetime };

    /// <summary>Creates the authenticator.</summary>
    public RequestAuthenticator(DataDirectory data, ServerOptions options, TimeProvider time)
    {
        _data = data;
        _identity = data.Identity;
        _options = options;
        _time = time;
    }

    /// <summary>Verifies the request's signature and returns its caller.</summary>
    /// <exception cref="ApiException">The request is unsigned, badly signed, or names an unknown key.</exception>
    public Caller Authenticate(HttpContext context, ApiRoute route, ReadOnlySpan<byte> body)
    {
        var request = context.Request;
        var remote = context.Connection.RemoteIpAddress;
        var userAgent = request.Headers.UserAgent.ToString();
        var sourceIp = remote?.ToString() ?? "127.0.0.1";
        if (route.Protocol == ApiProtocol.XRay
            && XRayOperations.UnsignedFromLoopback.Contains(route.Operation)
            && !request.Headers.ContainsKey("Authorization")
            && !request.Query.ContainsKey("X-Amz-Signature")
            && ClientAddress.MayCallUnsigned(context, _options.UdpAllow))
        {
            var account = _data.DefaultAccount.Id;
            return new Caller(account, Caller.AccountRootArn(account), "local-sdk", null, [LocalSamplingPolicy]) { SourceIp = sourceIp, UserAgent = userAgent };
        }

        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count);
        foreach (var header in request.Headers)
        {
            foreach (var value in header.Value)
            {
                headers.Add(new KeyValuePair<string, string>(header.Key, value ?? ""));
            }
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path.Value + request.QueryString.Value);
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var rawQuery = queryStart < 0 ? "" : rawTarget[(queryStart + 1)..];
        var signed = new SignedRequest(request.Method, rawPath, rawQuery, headers, Convert.ToHexStringLower(SHA256.HashData(body)));

        Credentials? credentials = null;
        var verification = _verifier.Verify(signed, accessKeyId =>
        {
            credentials = _identity.FindCredentials(accessKeyId);
            return credentials?.SecretAccessKey;
        }, _time.GetUtcNow(), _options.Region, route.SigningService, _options.AllowedClockSkew);

        if (!verification.Succeeded || credentials is null)
        {
            throw verification.Failure switch
            {
                SignatureFailure.MissingAuthenticationToken => new ApiException("MissingAuthenticationTokenException", "Missing Authentication Token", 403),
                SignatureFailure.IncompleteSignature => new ApiException("IncompleteSignatureException", verification.Message, ErrorResponses.AuthStatus(route.Protocol)),
                SignatureFailure.UnrecognizedClient => new ApiException("UnrecognizedClientException", verification.Message, ErrorResponses.AuthStatus(route.Protocol)),
                _ => new ApiException("InvalidSignatureException", verification.Message, ErrorResponses.AuthStatus(route.Protocol)),
            };
        }

        // The APIs served here are not S3: their signature must cover the body, or one signature would carry any body.
        if (verification.PayloadUnsigned)
        {
            throw new ApiException(
                "InvalidSignatureException",
                "This service does not accept unsigned payloads: 'x-amz-content-sha256: UNSIGNED-PAYLOAD' leaves the body unsigned; sign the SHA-256 of the body.",
                ErrorResponses.AuthStatus(route.Protocol));
        }

        var user = credentials.User;
        return new Caller(user.AccountId, user.Arn, user.Name, credentials.AccessKeyId, credentials.Policies) { SourceIp = sourceIp, UserAgent = userAgent };
    }
}
