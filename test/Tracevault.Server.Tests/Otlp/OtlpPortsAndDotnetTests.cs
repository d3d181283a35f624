using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>OTLP's own ports: the OpenTelemetry .NET exporter over gRPC and HTTP/protobuf, and what happens when a port is taken.</summary>
public sealed class OtlpPortsAndDotnetTests
{
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task DotnetExporter_ExportsToItsPort_ClientFindsAndReadsTheTrace(OtlpExportProtocol protocol)
    {
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Otlp.Http = [new IPEndPoint(IPAddress.Loopback, 0)];
            options.Otlp.HttpIsDefault = false;
            options.Otlp.Grpc = [new IPEndPoint(IPAddress.Loopback, 0)];
            options.Otlp.GrpcIsDefault = false;
        });
        var endpoint = protocol == OtlpExportProtocol.Grpc
            ? new Uri($"http://{server.Server.Otlp.Grpc[0]}")
            : new Uri($"http://{server.Server.Otlp.Http[0]}/v1/traces");
        var service = "dotnet-" + protocol.ToString().ToLowerInvariant();
        using var source = new ActivitySource("tracevault-otlp-test");

        // The SDK's own random W3C trace ids: Tracevault dates the trace by its spans.
        string traceId;
        using (var provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service))
            .AddSource(source.Name)
            .AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = endpoint;
                exporter.Protocol = protocol;
                exporter.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            using (var request = source.StartActivity("GET /checkout", ActivityKind.Server)!)
            {
                request.SetTag("http.request.method", "GET");
                request.SetTag("url.full", "http://shop.local/checkout?cart=9");
                request.SetTag("http.response.status_code", 200);
                request.SetTag("cart", "9");
                traceId = request.TraceId.ToHexString();
                using (var call = source.StartActivity("SELECT orders", ActivityKind.Client)!)
                {
                    call.SetTag("db.system", "postgresql");
                    call.SetTag("db.name", "shop");
                    call.SetTag("db.statement", "SELECT * FROM orders WHERE id = $1");
                }
            }

            Assert.True(provider.ForceFlush(10_000), "the exporter flushed");
        }

        var xrayId = $"1-{traceId[..8]}-{traceId[8..]}";
        using var xray = XRayApiClient.For(server);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var summaries = await xray.GetTraceSummariesAsync(now - 300, now + 60, $"service(\"{service}\") AND annotation.cart = \"9\"");
        Assert.Equal(xrayId, Assert.Single(summaries["TraceSummaries"]!.AsArray())!["Id"]!.GetValue<string>());

        var documents = await xray.ReadTraceAsync(xrayId);
        var segment = Assert.Single(documents, d => d["type"] is null && d["inferred"] is null);
        Assert.Equal(service, segment["name"]!.GetValue<string>());
        Assert.Equal("GET", segment["http"]!["request"]!["method"]!.GetValue<string>());
        // The client span arrives as an independent subsegment and is read back joined into its server span's segment.
        Assert.DoesNotContain(documents, d => d["type"]?.GetValue<string>() == "subsegment");
        var database = Assert.Single(segment["subsegments"]!.AsArray())!;
        Assert.Equal("shop", database["name"]!.GetValue<string>());
        Assert.Equal("remote", database["namespace"]!.GetValue<string>());
        Assert.Equal("postgresql", database["sql"]!["database_type"]!.GetValue<string>());
        Assert.Equal("Database::SQL", Assert.Single(documents, d => d["inferred"] is not null)["origin"]!.GetValue<string>());
    }

    [Fact]
    public async Task DefaultPortTaken_OneWarningLine_AndTheServerRunsWithoutThatListener()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        // The default listeners, but on a port known to be taken (tests never rely on 4317/4318 being free).
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Otlp.Http = [new IPEndPoint(IPAddress.Loopback, port)];
            options.Otlp.HttpIsDefault = true;
            options.Otlp.Grpc = [];
        });

        Assert.Empty(server.Server.Otlp.Http);
        var warning = Assert.Single(server.Logs.Lines, l => l.Contains("is not served", StringComparison.Ordinal));
        Assert.Contains($"OTLP/HTTP on 127.0.0.1:{port}", warning, StringComparison.Ordinal);

        // The main port's /v1/traces still serves.
        using var http = new HttpClient();
        using var response = await http.SendAsync(OtlpSpans.Post(server.Endpoint + "/v1/traces", OtlpSpans.Request("svc").ToByteArray()));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task ExplicitPortTaken_ServeStopsWithAClearError()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var directory = Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());
        try
        {
            var result = await ServerProcess.RunCommandAsync("serve", "--data", directory, "--listen", "127.0.0.1:0", "--otlp-grpc", "off", "--otlp-http", $"127.0.0.1:{port}");

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("Cannot start", result.StandardError, StringComparison.Ordinal);
            Assert.Contains($"127.0.0.1:{port}", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
