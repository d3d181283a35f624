using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Signing;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>Sends hand-made SigV4-signed requests, for the cases the real clients cannot produce.</summary>
public sealed class SignedHttpClient(string endpoint, string accessKeyId, string secret, string region = "us-east-1") : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(endpoint), Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>Sends a KMS JSON 1.1 call.</summary>
    public Task<HttpResponseMessage> KmsAsync(string operation, byte[] body, DateTimeOffset? signedAt = null, Action<HttpRequestMessage>? alter = null) =>
        SendAsync("/", "kms", body, "application/x-amz-json-1.1", new() { ["X-Amz-Target"] = "TrentService." + operation }, signedAt, alter);

    /// <summary>Sends an X-Ray REST-JSON call.</summary>
    public Task<HttpResponseMessage> XRayAsync(string path, byte[] body, DateTimeOffset? signedAt = null, Action<HttpRequestMessage>? alter = null) =>
        SendAsync(path, "xray", body, "application/json", [], signedAt, alter);

    /// <summary>Signs and sends a POST; <paramref name="alter"/> may change the request after signing.</summary>
    public async Task<HttpResponseMessage> SendAsync(string path, string service, byte[] body, string contentType, Dictionary<string, string> extraHeaders, DateTimeOffset? signedAt, Action<HttpRequestMessage>? alter)
    {
        var time = signedAt ?? DateTimeOffset.UtcNow;
        var amzDate = time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var date = amzDate[..8];
        var host = _http.BaseAddress!.Authority;
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", host),
            new("x-amz-date", amzDate),
            new("content-type", contentType),
        };
        headers.AddRange(extraHeaders.Select(h => new KeyValuePair<string, string>(h.Key.ToLowerInvariant(), h.Value)));
        var signedHeaders = headers.Select(h => h.Key).Order(StringComparer.Ordinal).ToList();
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        var canonical = SigV4.CanonicalRequest(new SignedRequest("POST", path, "", headers, payloadHash), signedHeaders);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var signature = SigV4.Signature(SigV4.SigningKey(secret, date, region, service), SigV4.StringToSign(amzDate, scope, canonical));

        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        foreach (var (key, value) in extraHeaders)
        {
            request.Headers.TryAddWithoutValidation(key, value);
        }

        request.Headers.TryAddWithoutValidation("Authorization", $"AWS4-HMAC-SHA256 Credential={accessKeyId}/{scope}, SignedHeaders={string.Join(';', signedHeaders)}, Signature={signature}");
        alter?.Invoke(request);
        return await _http.SendAsync(request);
    }

    /// <summary>Sends a request as is, unsigned.</summary>
    public Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request) => _http.SendAsync(request);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>Encodes a JSON text as a body.</summary>
    public static byte[] Json(string json) => Encoding.UTF8.GetBytes(json);
}
