using System.Net.Http.Headers;
using System.Security.Cryptography;
using Tracevault.Core.Signing;

namespace Tracevault.Benchmarks.Load;

/// <summary>Builds SigV4-signed requests as the AWS SDKs send them: X-Ray REST-JSON, and the JSON 1.1 protocol of KMS and CloudTrail.</summary>
internal sealed class XRaySigner(Uri endpoint, AdminCredentials credentials, string region)
{
    private const string ContentType = "application/json";

    private const string TargetContentType = "application/x-amz-json-1.1";

    private static readonly string[] SignedHeaders = ["content-type", "host", "x-amz-date"];
    private static readonly string[] TargetSignedHeaders = ["content-type", "host", "x-amz-date", "x-amz-target"];

    public static string PayloadHash(byte[] body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>A signed POST of <paramref name="body"/> to <paramref name="path"/>; <paramref name="payloadHash"/> may be computed ahead of time.</summary>
    public HttpRequestMessage Post(string path, byte[] body, string? payloadHash = null)
    {
        var now = DateTimeOffset.UtcNow;
        var amzDate = SigV4.AmzDate(now);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("content-type", ContentType),
            new("host", endpoint.Authority),
            new("x-amz-date", amzDate),
        };
        var signed = new SignedRequest("POST", path, "", headers, payloadHash ?? PayloadHash(body));
        var authorization = SigV4.Sign(signed, SignedHeaders, credentials.AccessKeyId, credentials.SecretAccessKey, now, region, "xray");
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }

    /// <summary>A signed JSON 1.1 POST to <c>/</c> for <paramref name="service"/> (e.g. <c>kms</c>, <c>cloudtrail</c>) naming <paramref name="target"/> in <c>X-Amz-Target</c>.</summary>
    public HttpRequestMessage PostTarget(string service, string target, byte[] body)
    {
        var now = DateTimeOffset.UtcNow;
        var amzDate = SigV4.AmzDate(now);
        var headers = new List<KeyValuePair<string, string>>
        {
            new("content-type", TargetContentType),
            new("host", endpoint.Authority),
            new("x-amz-date", amzDate),
            new("x-amz-target", target),
        };
        var signed = new SignedRequest("POST", "/", "", headers, PayloadHash(body));
        var authorization = SigV4.Sign(signed, TargetSignedHeaders, credentials.AccessKeyId, credentials.SecretAccessKey, now, region, service);
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(TargetContentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return request;
    }
}
