using System.Net;
using System.Text.Json;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Foundation;

/// <summary>The foundation's acceptance: routing, envelopes, SigV4 and IAM, driven by the real JS SDK and hand-made requests.</summary>
public sealed class FoundationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string OnlyGetEncryptionConfig = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:GetEncryptionConfig","Resource":"*"}]}""";
    private const string AllowAllButDenyEncryption = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"xray:*EncryptionConfig","Resource":"*"}]}""";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_FoundationScript_Passes()
    {
        var limited = _server.CreateUser("limited", OnlyGetEncryptionConfig);
        var denied = _server.CreateUser("denied", AllowAllButDenyEncryption);
        var environment = _server.ClientEnvironment();
        environment["LIMITED_ACCESS_KEY_ID"] = limited.AccessKeyId;
        environment["LIMITED_SECRET_ACCESS_KEY"] = limited.SecretAccessKey;
        environment["DENIED_ACCESS_KEY_ID"] = denied.AccessKeyId;
        environment["DENIED_SECRET_ACCESS_KEY"] = denied.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("foundation.test.mjs", environment, output);

        AssertNoSecretsLogged(_server.AdminSecret, limited.SecretAccessKey, denied.SecretAccessKey);
    }

    [Fact]
    public async Task SignedRequest_SixMinutesLate_IsRefusedWithSignatureExpired()
    {
        using var client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        using var response = await client.KmsAsync("ListKeys", SignedHttpClient.Json("{}"), DateTimeOffset.UtcNow.AddMinutes(-6));
        var error = await ReadErrorAsync(response);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("InvalidSignatureException", error.Type);
        Assert.StartsWith("Signature expired: ", error.Message);
        Assert.Contains(" - 5 min.)", error.Message);
    }

    [Fact]
    public async Task NonJsonBody_IsRefusedInEachEnvelope_AndServerKeepsServing()
    {
        using var client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        using var xray = await client.XRayAsync("/TraceSegments", SignedHttpClient.Json("this is not json"));
        var xrayError = await ReadErrorAsync(xray);
        Assert.Equal("InvalidRequestException", xrayError.Type);
        Assert.Equal("application/json", xray.Content.Headers.ContentType?.MediaType);

        using var kms = await client.KmsAsync("ListKeys", SignedHttpClient.Json("{not json"));
        var kmsError = await ReadErrorAsync(kms);
        Assert.Equal("SerializationException", kmsError.Type);
        Assert.Equal("application/x-amz-json-1.1", kms.Content.Headers.ContentType?.MediaType);

        await AssertStillServingAsync(client);
    }

    [Fact]
    public async Task TenMegabyteBody_IsRefusedInItsEnvelope_AndServerKeepsServing()
    {
        using var client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        var body = new byte[10 * 1024 * 1024];
        body.AsSpan().Fill((byte)' ');
        using var response = await client.XRayAsync("/TraceSegments", body);
        var error = await ReadErrorAsync(response);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("InvalidRequestException", error.Type);
        Assert.Contains("at most", error.Message);

        await AssertStillServingAsync(client);
    }

    [Fact]
    public async Task OversizedHeader_IsRefusedInItsEnvelope_AndServerKeepsServing()
    {
        using var client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        using var response = await client.KmsAsync("ListKeys", SignedHttpClient.Json("{}"), alter: request =>
            request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 200 * 1024)));
        var error = await ReadErrorAsync(response);
        Assert.Equal("ValidationException", error.Type);
        Assert.Contains("headers", error.Message);

        await AssertStillServingAsync(client);
    }

    [Fact]
    public async Task UnknownOperation_AnswersJsonEnvelope_NotHtml()
    {
        using var client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        using var xray = await client.XRayAsync("/NoSuchOperation", SignedHttpClient.Json("{}"));
        Assert.Equal("UnknownOperationException", (await ReadErrorAsync(xray)).Type);
        using var kms = await client.KmsAsync("NoSuchOperation", SignedHttpClient.Json("{}"));
        Assert.Equal("UnknownOperationException", (await ReadErrorAsync(kms)).Type);
    }

    [Fact]
    public async Task EveryAnswer_CarriesRequestIdAndDate()
    {
        using var http = new HttpClient();
        using var page = await http.GetAsync(_server.Endpoint + "/");
        Assert.True(page.Headers.Contains("x-amzn-RequestId"));
        Assert.NotNull(page.Headers.Date);
        using var unsigned = await http.PostAsync(_server.Endpoint + "/EncryptionConfig", new StringContent(""));
        Assert.Equal("MissingAuthenticationTokenException", (await ReadErrorAsync(unsigned)).Type);
        Assert.True(unsigned.Headers.Contains("x-amzn-RequestId"));
        Assert.NotNull(unsigned.Headers.Date);
    }

    [Fact]
    public void DataDirectory_SecretFiles_AreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var name in new[] { "root.key", "credentials" })
        {
            var mode = File.GetUnixFileMode(Path.Combine(_server.DataDirectory, name));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        }

        var credentials = File.ReadAllText(Path.Combine(_server.DataDirectory, "credentials"));
        Assert.StartsWith("[default]\n", credentials);
        Assert.Contains("aws_access_key_id = " + _server.AdminAccessKeyId, credentials);
    }

    private void AssertNoSecretsLogged(params string[] secrets)
    {
        var rootKey = File.ReadAllText(Path.Combine(_server.DataDirectory, "root.key"));
        var rootKeyMaterial = JsonDocument.Parse(rootKey).RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!;
        Assert.NotEmpty(_server.Logs.Lines);
        foreach (var line in _server.Logs.Lines)
        {
            foreach (var secret in secrets.Append(rootKeyMaterial))
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            }
        }
    }

    private static async Task AssertStillServingAsync(SignedHttpClient client)
    {
        using var response = await client.KmsAsync("NoSuchOperation", SignedHttpClient.Json("{}"));
        Assert.Equal("UnknownOperationException", (await ReadErrorAsync(response)).Type);
    }

    internal static async Task<(string Type, string Message)> ReadErrorAsync(HttpResponseMessage response)
    {
        Assert.False(response.IsSuccessStatusCode, $"expected an error, got {response.StatusCode}");
        Assert.True(response.Headers.Contains("x-amzn-RequestId"), "x-amzn-RequestId is missing");
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        var type = document.RootElement.GetProperty("__type").GetString()!;
        Assert.Equal(type, response.Headers.GetValues("x-amzn-ErrorType").Single());
        return (type, document.RootElement.GetProperty("message").GetString()!);
    }
}
