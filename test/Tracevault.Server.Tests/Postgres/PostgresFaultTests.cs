using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using Npgsql;
using Tracevault.Server.Otlp;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.Otlp;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Postgres;

/// <summary>
/// The real PostgreSQL going away under ingest, on a cluster of the test's own: stopped for 10 s and started again.
/// Never 200 for what was not stored, refusals the SDKs retry, back without a restart.
/// </summary>
public sealed class PostgresFaultTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(180);

    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgfault-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task PostgreSQL_stopped_for_10_seconds_during_ingest_loses_nothing_acknowledged_refuses_retryably_and_ingest_resumes()
    {
        using var cluster = PostgresCluster.StartPrivate();
        // Pooled, as a deployment runs it: the pool must let go of the connections the shutdown cut.
        var database = new NpgsqlConnectionStringBuilder(cluster.CreateDatabase().ConnectionString) { Pooling = true, Timeout = 5 };
        await using var server = await TestServer.StartAsync(dataDirectory: Path.Combine(_root, "node"), configure: options => options.Postgres = database);
        using var xray = XRayApiClient.For(server);
        using var otlp = new HttpClient();
        await using var ingest = AcknowledgedIngest.Start(server, clients: 3);
        await Eventually.WaitAsync("ingest under way", () => ingest.AcknowledgedSegments >= 40, Recovery);

        var stopped = Stopwatch.StartNew();
        cluster.Stop();
        var acknowledgedWhenStopped = ingest.AcknowledgedSegments;
        await Eventually.WaitAsync("a put refused while the database is stopped", () => ingest.Refusals > 0, Recovery);
        var (status, _) = await ExportAsync(otlp, server);
        output.WriteLine($"OTLP while stopped: {status}");
        Assert.Contains(status, (int[])[503, 429, 502, 504]);
        var left = Outage - stopped.Elapsed;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        var acknowledgedWhileStopped = ingest.AcknowledgedSegments - acknowledgedWhenStopped;
        cluster.Start();
        var acknowledgedAtStart = ingest.AcknowledgedSegments;
        await Eventually.WaitAsync("ingest resumed", () => ingest.AcknowledgedSegments >= acknowledgedAtStart + 40, Recovery);
        var exported = await Eventually.WaitAsync("OTLP stored again", () => ExportAsync(otlp, server), answer => answer.Status == 200, Recovery, answer => answer.Status.ToString(CultureInfo.InvariantCulture));
        await ingest.StopAsync();

        output.WriteLine($"acknowledged {ingest.AcknowledgedSegments} segments ({acknowledgedWhileStopped} while stopped), refused {ingest.Refusals} requests");
        Assert.Empty(ingest.Wrong);
        Assert.Equal(0, acknowledgedWhileStopped);
        await xray.AssertStoredAsSentAsync(ingest.AcknowledgedByTrace());
        Assert.Single(await xray.WaitForTraceAsync(exported.TraceId, 1));
    }

    private static async Task<(int Status, string TraceId)> ExportAsync(HttpClient http, TestServer server)
    {
        var now = DateTimeOffset.UtcNow;
        var traceId = OtlpSpans.XRayStyleTraceId(now);
        using var response = await http.SendAsync(OtlpSpans.Post(server.Endpoint + OtlpHttpEndpoint.TracesPath, OtlpSpans.Request("fault", OtlpSpans.Span(traceId, now)).ToByteArray()));
        return ((int)response.StatusCode, OtlpSpans.XRayId(traceId));
    }
}
