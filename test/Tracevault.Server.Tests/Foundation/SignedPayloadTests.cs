using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Tracevault.Core.Signing;
using Tracevault.Server.Otlp;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.Otlp;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>What a signature must cover on every signed endpoint: the body (no <c>UNSIGNED-PAYLOAD</c>), the operation (<c>x-amz-target</c>), and a short presigned lifetime.</summary>
public sealed class SignedPayloadTests : IAsyncLifetime
{
    private const string KmsJson = "application/x-amz-json-1.1";

    private TestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_server.Endpoint) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task UnsignedPayload_OnKms_IsRefusedAndCreatesNoKey()
    {
        var keysBefore = await CountKeysAsync();
        using var response = await SendAsync("/", "kms", """{"Description":"first"}""", KmsJson, "TrentService.CreateKey", unsignedPayload: true);

        await AssertRefusedAsync(response, "InvalidSignatureException", "UNSIGNED-PAYLOAD");
        Assert.Equal(keysBefore, await CountKeysAsync());
    }

    [Fact]
    public async Task UnsignedPayload_OnXRayAndCloudTrail_IsRefused()
    {
        using var xray = await SendAsync("/TraceSegments", "xray", """{"TraceSegmentDocuments":[]}""", "application/json", null, unsignedPayload: true);
        await AssertRefusedAsync(xray, "InvalidSignatureException", "UNSIGNED-PAYLOAD", HttpStatusCode.Forbidden);

        using var cloudTrail = await SendAsync("/", "cloudtrail", "{}", KmsJson, Tracevault.Server.Http.ApiRoute.CloudTrailTargetPrefix + "LookupEvents", unsignedPayload: true);
        await AssertRefusedAsync(cloudTrail, "InvalidSignatureException", "UNSIGNED-PAYLOAD");
    }

    [Fact]
    public async Task UnsignedPayload_OnOtlpTraces_IsRefused()
    {
        var traceId = OtlpSpans.XRayStyleTraceId(DateTimeOffset.UtcNow);
        var body = OtlpSpans.Request("unsigned-payload", OtlpSpans.Span(traceId, DateTimeOffset.UtcNow)).ToByteArray();
        using var response = await SendAsync(OtlpHttpEndpoint.TracesPath, "xray", body, "application/x-protobuf", null, unsignedPayload: true);

        Assert.Contains("UNSIGNED-PAYLOAD", (await OtlpSpans.ReadErrorAsync(response, 403)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignedPayload_StillSucceeds()
    {
        using var response = await SendAsync("/", "kms", "{}", KmsJson, "TrentService.ListKeys", unsignedPayload: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TargetHeaderNotSigned_IsRefused()
    {
        using var response = await SendAsync("/", "kms", "{}", KmsJson, "TrentService.ListKeys", unsignedPayload: false, signTarget: false);

        await AssertRefusedAsync(response, "IncompleteSignatureException", "'X-Amz-Target' must be a 'SignedHeader'");
    }

    [Fact]
    public async Task Presigned_WithinFifteenMinutes_Succeeds_AndLongerIsRefused()
    {
        using var shortLived = await SendPresignedAsync(TimeSpan.FromMinutes(15));
        Assert.Equal(HttpStatusCode.OK, shortLived.StatusCode);

        using var longLived = await SendPresignedAsync(TimeSpan.FromHours(1));
        await AssertRefusedAsync(longLived, "IncompleteSignatureException", "X-Amz-Expires must be at most 900 seconds");
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string type, string messagePart, HttpStatusCode status = HttpStatusCode.BadRequest)
    {
        var error = await FoundationTests.ReadErrorAsync(response);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(type, error.Type);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
    }

    private async Task<int> CountKeysAsync()
    {
        using var response = await SendAsync("/", "kms", """{"Limit":1000}""", KmsJson, "TrentService.ListKeys", unsignedPayload: false);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("Keys").GetArrayLength();
    }

    private Task<HttpResponseMessage> SendAsync(string path, string service, string body, string contentType, string? target, bool unsignedPayload, bool signTarget = true) =>
        SendAsync(path, service, Encoding.UTF8.GetBytes(body), contentType, target, unsignedPayload, signTarget);

    private async Task<HttpResponseMessage> SendAsync(string path, string service, byte[] body, string contentType, string? target, bool unsignedPayload, bool signTarget = true)
    {
        var now = DateTimeOffset.UtcNow;
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", _http.BaseAddress!.Authority),
            new("x-amz-date", SigV4.AmzDate(now)),
            new("content-type", contentType),
        };
        if (unsignedPayload)
        {
            headers.Add(new("x-amz-content-sha256", SigV4.UnsignedPayload));
        }

        if (target is not null)
        {
            headers.Add(new("x-amz-target", target));
        }

        var signedHeaders = headers.Select(header => header.Key).Where(name => signTarget || name != "x-amz-target").ToList();
        var unsigned = new SignedRequest("POST", path, "", headers, Convert.ToHexStringLower(SHA256.HashData(body)));
        var authorization = SigV4.Sign(unsigned, signedHeaders, _server.AdminAccessKeyId, _server.AdminSecret, now, _server.Region, service);

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers.Where(header => header.Key is not ("host" or "content-type")))
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await _http.SendAsync(request);
    }

    private async Task<HttpResponseMessage> SendPresignedAsync(TimeSpan lifetime)
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var headers = new List<KeyValuePair<string, string>>
        {
            new("host", _http.BaseAddress!.Authority),
            new("x-amz-target", "TrentService.ListKeys"),
        };
        var unsigned = new SignedRequest("POST", "/", "", headers, Convert.ToHexStringLower(SHA256.HashData(body)));
        var query = SigV4.PresignedQuery(unsigned, _server.AdminAccessKeyId, _server.AdminSecret, DateTimeOffset.UtcNow, _server.Region, "kms", lifetime);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/?" + query) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(KmsJson);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "TrentService.ListKeys");
        return await _http.SendAsync(request);
    }
}
