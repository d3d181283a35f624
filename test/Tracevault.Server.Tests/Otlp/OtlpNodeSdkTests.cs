using System.Net;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>The OpenTelemetry SDK for Node.js with each of its three OTLP exporters as the instrumented services, the AWS SDK for JavaScript v3 as the reader.</summary>
public sealed class OtlpNodeSdkTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(configure: options =>
    {
        options.Otlp.Http = [new IPEndPoint(IPAddress.Loopback, 0)];
        options.Otlp.HttpIsDefault = false;
        options.Otlp.Grpc = [new IPEndPoint(IPAddress.Loopback, 0)];
        options.Otlp.GrpcIsDefault = false;
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("proto")]
    [InlineData("http")]
    [InlineData("grpc")]
    public async Task NodeServices_ExportOverOtlp_ClientXRayFindsAndReadsTheirTraces(string exporter)
    {
        var environment = _server.ClientEnvironment();
        environment["OTLP_EXPORTER"] = exporter;
        environment["OTLP_URL"] = exporter == "grpc"
            ? $"http://{_server.Server.Otlp.Grpc[0]}"
            : $"http://{_server.Server.Otlp.Http[0]}/v1/traces";

        await NodeClients.RunTestScriptAsync("otlp.test.mjs", environment, output);
    }

    [Fact]
    public async Task XRaySdkServiceCallingAnOtelService_IsOneTrace_WithTheEdgeBetweenThem()
    {
        var environment = _server.ClientEnvironment();
        environment["AWS_XRAY_DAEMON_ADDRESS"] = _server.Server.Endpoint.ToString();
        environment["OTLP_URL"] = $"http://{_server.Server.Otlp.Http[0]}/v1/traces";

        await NodeClients.RunTestScriptAsync("otlp-mixed.test.mjs", environment, output);
    }

    [Fact]
    public async Task NodeServices_PostToV1TracesOnTheMainPort_AreStored()
    {
        var environment = _server.ClientEnvironment();
        environment["OTLP_EXPORTER"] = "proto";
        environment["OTLP_URL"] = $"{_server.Endpoint}/v1/traces";

        await NodeClients.RunTestScriptAsync("otlp.test.mjs", environment, output);
    }
}
