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
/// The real PostgreSQL going away under ingest, on a cluster of the test's own: stopped for 10 s and started again, and a primary
/// killed with its synchronous standby promoted. Never 200 for what was not stored, refusals the SDKs retry, back without a restart.
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

    [Fact]
    public async Task Primary_killed_and_synchronous_standby_promoted_during_ingest_the_node_fails_over_by_itself_and_loses_nothing_acknowledged()
    {
        using var primary = PostgresCluster.StartPrivate();
        var database = primary.CreateDatabase();
        using var standby = primary.StartStandby();
        // Synchronous replication: a commit, so an acknowledgement, waits until the standby has the WAL on disk.
        await using (var admin = new NpgsqlConnection(primary.ConnectionString("postgres").ConnectionString))
        {
            await admin.OpenAsync();
            await using (var set = new NpgsqlCommand("ALTER SYSTEM SET synchronous_standby_names = '*'", admin))
            {
                await set.ExecuteNonQueryAsync();
            }

            await using (var reload = new NpgsqlCommand("SELECT pg_reload_conf()", admin))
            {
                await reload.ExecuteNonQueryAsync();
            }

            await Eventually.WaitAsync("the standby streams synchronously", async () =>
            {
                await using var state = new NpgsqlCommand("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state = 'sync'", admin);
                return (long)(await state.ExecuteScalarAsync())! == 1;
            }, Recovery);
        }

        var both = new NpgsqlConnectionStringBuilder(database.ConnectionString)
        {
            Host = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{primary.Port},127.0.0.1:{standby.Port}"),
            TargetSessionAttributes = "read-write",
            Pooling = true,
            Timeout = 5,
        };
        await using var server = await TestServer.StartAsync(dataDirectory: Path.Combine(_root, "node"), configure: options => options.Postgres = both);
        using var xray = XRayApiClient.For(server);
        await using var ingest = AcknowledgedIngest.Start(server, clients: 3);
        await Eventually.WaitAsync("ingest under way", () => ingest.AcknowledgedSegments >= 40, Recovery);

        // The primary dies; promotion comes once the node has had to answer without one, as a failover takes its seconds.
        var answeredBefore = ingest.Refusals + ingest.Wrong.Count;
        primary.Stop(immediate: true);
        await Eventually.WaitAsync("puts answered while there is no primary", () => ingest.Refusals + ingest.Wrong.Count >= answeredBefore + 6, Recovery);
        standby.Promote();
        var acknowledgedAtPromotion = ingest.AcknowledgedSegments;
        await Eventually.WaitAsync("ingest resumed on the promoted standby", () => ingest.AcknowledgedSegments >= acknowledgedAtPromotion + 40, Recovery);
        await ingest.StopAsync();

        output.WriteLine($"acknowledged {ingest.AcknowledgedSegments} segments, refused {ingest.Refusals} requests");
        // What the node answered other than 200 or 503, with the database's words, when the next assertion fails.
        foreach (var line in server.Logs.Lines.Where(line => line.Contains("ApiDispatcher[2]", StringComparison.Ordinal) || line.Contains("ApiDispatcher[51]", StringComparison.Ordinal)).Distinct().Take(5))
        {
            output.WriteLine(line);
        }

        Assert.Empty(ingest.Wrong);
        await xray.AssertStoredAsSentAsync(ingest.AcknowledgedByTrace());
    }

    private static async Task<(int Status, string TraceId)> ExportAsync(HttpClient http, TestServer server)
    {
        var now = DateTimeOffset.UtcNow;
        var traceId = OtlpSpans.XRayStyleTraceId(now);
        using var response = await http.SendAsync(OtlpSpans.Post(server.Endpoint + OtlpHttpEndpoint.TracesPath, OtlpSpans.Request("fault", OtlpSpans.Span(traceId, now)).ToByteArray()));
        return ((int)response.StatusCode, OtlpSpans.XRayId(traceId));
    }
}
