using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>The X-Ray SDK for Node.js as the instrumented service, the AWS SDK for JavaScript v3 as the reader.</summary>
public sealed class XRayNodeSdkTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task InstrumentedNodeService_SendsOverUdp_ClientXRayReadsItsTracesAndServiceGraph()
    {
        var environment = _server.ClientEnvironment();
        environment["AWS_XRAY_DAEMON_ADDRESS"] = _server.Server.Endpoint.ToString();

        await NodeClients.RunTestScriptAsync("xray-sdk.test.mjs", environment, output);
    }
}
