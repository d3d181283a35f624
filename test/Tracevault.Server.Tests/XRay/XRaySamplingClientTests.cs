using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Sampling rules through the real clients: the AWS SDK for JavaScript v3 manages them, the X-Ray SDK for Node.js samples by them.</summary>
public sealed class XRaySamplingClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_ManagesRules_WithTheModelsShapesLimitsAndErrors()
    {
        var arn = $"arn:aws:xray:{_server.Region}:{_server.AccountId}:sampling-rule/team-a-*";
        var sampler = _server.CreateUser("sampler", $$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:CreateSamplingRule","xray:UpdateSamplingRule","xray:DeleteSamplingRule"],"Resource":"{{arn}}"}]}
            """);
        var environment = _server.ClientEnvironment();
        environment["SAMPLER_ACCESS_KEY_ID"] = sampler.AccessKeyId;
        environment["SAMPLER_SECRET_ACCESS_KEY"] = sampler.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("xray-sampling.test.mjs", environment, output);
    }

    [Fact]
    public async Task XRaySdkForNode_RuleWithFixedRateOne_TracesEveryRequestOfItsService()
    {
        var environment = _server.ClientEnvironment();
        environment["AWS_XRAY_DAEMON_ADDRESS"] = _server.Server.Endpoint.ToString();

        await NodeClients.RunTestScriptAsync("xray-sampling-sdk.test.mjs", environment, output);
    }
}
