using System.Net.Http.Headers;
using System.Security.Cryptography;
using Tracevault.Core.Signing;

namespace Tracevault.Benchmarks.Load;

/// <summary>Builds SigV4-signed X-Ray REST-JSON requests, as the AWS SDKs send them.</summary>
internal sealed class XRaySigner(Uri endpoint, AdminCredentials credentials, string region)
{
    private const string ContentType = "application/json";

    private static readonly string[] SignedHeaders = ["content-type", "host", "x-amz-date"];

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
}
