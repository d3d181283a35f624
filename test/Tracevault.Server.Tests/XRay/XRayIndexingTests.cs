using System.Net;
using Tracevault.Server.Tests.Foundation;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Indexing rules and the trace segment destination through the real JS SDK, with OpenTelemetry traces sent over OTLP/HTTP.</summary>
public sealed class XRayIndexingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(configure: options =>
    {
        options.Otlp.Http = [new IPEndPoint(IPAddress.Loopback, 0)];
        options.Otlp.HttpIsDefault = false;
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_IndexingScript_Passes()
    {
        var viewer = _server.CreateUser("settings-reader", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:GetIndexingRules","xray:GetTraceSegmentDestination"],"Resource":"*"}]}
            """);
        var stranger = _server.CreateUser("stranger", """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:GetTraceSummaries"],"Resource":"*"}]}
            """);
        var environment = _server.ClientEnvironment();
        environment["OTLP_URL"] = $"http://{_server.Server.Otlp.Http[0]}/v1/traces";
        environment["VIEWER_ACCESS_KEY_ID"] = viewer.AccessKeyId;
        environment["VIEWER_SECRET_ACCESS_KEY"] = viewer.SecretAccessKey;
        environment["STRANGER_ACCESS_KEY_ID"] = stranger.AccessKeyId;
        environment["STRANGER_SECRET_ACCESS_KEY"] = stranger.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("xray-indexing.test.mjs", environment, output);
    }

    [Theory]
    [InlineData("""{"Rule":{"Probabilistic":{"DesiredSamplingPercentage":5}}}""", "Name is required")]
    [InlineData("""{"Name":"Default"}""", "Rule is required")]
    [InlineData("""{"Name":"Default","Rule":{}}""", "exactly one member, Probabilistic")]
    [InlineData("""{"Name":"Default","Rule":{"Probabilistic":{"DesiredSamplingPercentage":5},"Other":{}}}""", "exactly one member, Probabilistic")]
    [InlineData("""{"Name":"Default","Rule":{"Probabilistic":{}}}""", "DesiredSamplingPercentage is required")]
    [InlineData("""{"Name":"Default","Rule":{"Probabilistic":{"DesiredSamplingPercentage":"50"}}}""", "must be a number from 0 to 100")]
    [InlineData("""{"Name":7,"Rule":{"Probabilistic":{"DesiredSamplingPercentage":5}}}""", "Name must be a string")]
    public async Task UpdateIndexingRule_MalformedRule_IsInvalidRequestException(string body, string message)
    {
        using var client = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);

        using var response = await client.XRayAsync("/UpdateIndexingRule", SignedHttpClient.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var (type, text) = await FoundationTests.ReadErrorAsync(response);
        Assert.Equal("InvalidRequestException", type);
        Assert.Contains(message, text, StringComparison.Ordinal);
    }
}
