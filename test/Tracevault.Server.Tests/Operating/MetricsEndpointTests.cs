using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Operating;

/// <summary><c>GET /metrics</c> of the real server process: Prometheus text on its own port, counters that move by exactly what was sent.</summary>
public sealed class MetricsEndpointTests(ITestOutputHelper output) : IDisposable
{
    private const int Sent = 7;
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-metrics-" + Path.GetRandomFileName());
    private readonly HttpClient _scraper = new();

    public void Dispose()
    {
        _scraper.Dispose();
        foreach (var directory in new[] { _data, _data + "-off" })
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    [Fact]
    public async Task Scrape_AfterSegmentsOverHttpAndUdp_CountersGrowByExactlyWhatWasSent()
    {
        var port = ServerProcess.FreePort();
        var metricsPort = ServerProcess.FreePort();
        await using var server = await StartAsync(_data, port, "--metrics", $"127.0.0.1:{metricsPort}");
        var metrics = $"http://127.0.0.1:{metricsPort}/metrics";
        var before = await ScrapeAsync(metrics);
        Assert.Contains(before.Samples, s => s.Name == "tracevault_udp_kernel_drops_total");
        Assert.Equal("counter", before.Types["tracevault_udp_kernel_drops_total"]);
        Assert.Contains(before.Samples, s => s.Name == "tracevault_database_size_bytes" && s.Value > 0);
        Assert.Equal(0, before.Value("tracevault_accounts_storing_stopped"));

        var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
        using var http = new SignedHttpClient(server.Endpoint, keyId, secret);
        var now = DateTimeOffset.UtcNow;
        var documents = Enumerable.Range(0, Sent).Select(_ => TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now)).ToList();
        var answer = await TraceDocuments.ReadJsonAsync(await http.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody(documents)));
        Assert.Equal(0, answer.GetProperty("UnprocessedTraceSegments").GetArrayLength());
        using (var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            for (var i = 0; i < Sent; i++)
            {
                var datagram = Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now));
                await udp.SendAsync(datagram, new IPEndPoint(IPAddress.Loopback, port));
            }
        }

        var after = await Eventually.WaitAsync(
            "the UDP segments are stored",
            () => ScrapeAsync(metrics),
            scrape => Stored(scrape) >= Stored(before) + 2 * Sent,
            describe: scrape => $"stored {Stored(scrape)}, before {Stored(before)}");
        output.WriteLine(string.Join('\n', after.Samples.Where(s => s.Name.StartsWith("tracevault_", StringComparison.Ordinal)).Select(s => $"{s.Name} {JsonSerializer.Serialize(s.Labels)} {s.Value}")));

        Assert.Equal(Stored(before) + 2 * Sent, Stored(after));
        Assert.Equal(Received(before, "http") + Sent, Received(after, "http"));
        Assert.Equal(Received(before, "udp") + Sent, Received(after, "udp"));
        foreach (var reason in new[] { "invalid", "queue_full", "storing_stopped", "malformed", "source_not_allowed" })
        {
            Assert.Equal(0, after.Value("tracevault_segments_dropped_total", ("reason", reason)));
        }

        // One PutTraceSegments request: its latency histogram counts it; a chunk commit was timed; the sealing used default keys.
        Assert.Equal("histogram", after.Types["tracevault_request_duration_seconds"]);
        var putTraceSegments = new[] { ("protocol", "xray"), ("operation", "PutTraceSegments"), ("status_code", "200") };
        Assert.Equal(1, after.Value("tracevault_request_duration_seconds_count", putTraceSegments));
        Assert.Equal(1, after.Value("tracevault_request_duration_seconds_bucket", [.. putTraceSegments, ("le", "+Inf")]));
        Assert.True(after.Value("tracevault_chunk_commits_total", ("outcome", "committed")) >= 1);
        Assert.True(after.Value("tracevault_chunk_commit_duration_seconds_count") >= 1);
        Assert.True(after.Value("tracevault_chunks_written_total") >= 1);

        // A document X-Ray refuses: answered unprocessed, counted by its ErrorCode and as dropped (invalid).
        var invalid = await TraceDocuments.ReadJsonAsync(await http.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody(["{\"name\":\"no-ids\"}"])));
        var errorCode = invalid.GetProperty("UnprocessedTraceSegments")[0].GetProperty("ErrorCode").GetString()!;
        var refused = await ScrapeAsync(metrics);
        Assert.Equal(1, refused.Value("tracevault_xray_unprocessed_segments_total", ("error_code", errorCode)));
        Assert.Equal(1, refused.Value("tracevault_segments_dropped_total", ("reason", "invalid")));
        Assert.Equal(Received(before, "http") + Sent + 1, Received(refused, "http"));

        // A KMS call, counted by operation and caller; an unknown operation is one series, whatever its name.
        await TraceDocuments.ReadJsonAsync(await http.KmsAsync("CreateKey", SignedHttpClient.Json("{}")));
        (await http.KmsAsync("NoSuchOperation7f3a", SignedHttpClient.Json("{}"))).Dispose();
        var kms = await ScrapeAsync(metrics);
        Assert.Equal(1, kms.Value("tracevault_kms_calls_total", ("operation", "CreateKey"), ("caller", "user"), ("outcome", "ok")));
        Assert.Equal(1, kms.Value("tracevault_request_duration_seconds_count", ("protocol", "kms"), ("operation", "CreateKey"), ("status_code", "200")));
        Assert.Equal(1, kms.Value("tracevault_request_duration_seconds_count", ("protocol", "kms"), ("operation", "unknown"), ("status_code", "400")));
        Assert.DoesNotContain(kms.Samples, s => s.Labels.Values.Any(v => v.StartsWith("NoSuchOperation", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task MetricsPort_ServesOnlyMetrics_AndTheApiPortDoesNotServeThem()
    {
        var port = ServerProcess.FreePort();
        var metricsPort = ServerProcess.FreePort();
        await using var server = await StartAsync(_data, port, "--metrics", $"127.0.0.1:{metricsPort}");

        using var onApiPort = await _scraper.GetAsync($"{server.Endpoint}/metrics");
        Assert.Equal(HttpStatusCode.NotFound, onApiPort.StatusCode);
        Assert.DoesNotContain("tracevault_", await onApiPort.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        foreach (var path in new[] { "/", "/health", "/console/", "/TraceSegments" })
        {
            using var other = await _scraper.GetAsync($"http://127.0.0.1:{metricsPort}{path}");
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        await using var off = await StartAsync(_data + "-off", ServerProcess.FreePort(), "--metrics", "off");
        Assert.DoesNotContain("Prometheus metrics on", off.Output, StringComparison.Ordinal);
    }

    private static double Stored(PrometheusText scrape) => scrape.Value("tracevault_segments_stored_total");

    private static double Received(PrometheusText scrape, string transport) => scrape.Value("tracevault_segments_received_total", ("transport", transport));

    private async Task<PrometheusText> ScrapeAsync(string url)
    {
        using var response = await _scraper.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        return PrometheusText.Parse(text);
    }

    private static Task<ServerProcess> StartAsync(string data, int port, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryPaths.Root };
        foreach (var argument in new[] { ServerProcess.TracevaultDll, "serve", "--data", data, "--listen", $"127.0.0.1:{port}", "--otlp-http", "off", "--otlp-grpc", "off" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return ServerProcess.StartAsync(start, port);
    }
}
