using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Postgres;

/// <summary>A node whose PostgreSQL goes away (its connections reset, new ones refused): retryable answers, never 200 for what was not stored, and back by itself.</summary>
public sealed class PostgresOutageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgout-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task While_the_database_cannot_be_reached_calls_answer_503_and_the_AWS_CLI_retries_until_it_is_back()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        await using var relay = TcpRelay.Start(new IPEndPoint(IPAddress.Loopback, database.Port));
        var throughRelay = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Port = relay.Port, Timeout = 5 };
        await using var server = await TestServer.StartAsync(dataDirectory: Path.Combine(_root, "node"), configure: options => options.Postgres = throughRelay);
        using var xray = XRayApiClient.For(server);
        var now = Now();
        var before = TraceId(now, "0a7a6e000000000000000001");
        var beforeDocument = Segment(before, "0a7a6e0000000001", "before", now - 1, now).ToJsonString();
        Assert.Empty(await xray.PutTraceSegmentsAsync([beforeDocument]));

        await relay.CutAsync();
        var outage = System.Diagnostics.Stopwatch.StartNew();
        using var http = new SignedHttpClient(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret);
        var during = TraceId(now, "0a7a6e000000000000000002");
        var duringDocument = Segment(during, "0a7a6e0000000002", "during", now - 1, now).ToJsonString();
        var put = await http.XRayAsync("/TraceSegments", SignedHttpClient.Json(new JsonObject { ["TraceSegmentDocuments"] = new JsonArray(duringDocument) }.ToJsonString()));
        output.WriteLine($"{(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
        Assert.Equal("ServiceUnavailableException", put.Headers.GetValues("x-amzn-ErrorType").Single().Split(':')[0]);
        var kms = await http.KmsAsync("CreateKey", SignedHttpClient.Json("{}"));
        output.WriteLine($"{(int)kms.StatusCode} {await kms.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, kms.StatusCode);
        Assert.Contains("DependencyTimeoutException", await kms.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Lines, line => line.Contains("[330]", StringComparison.Ordinal));
        using var probe = new HttpClient();
        await Eventually.WaitAsync("/ready says the store is not ready", async () =>
        {
            using var ready = await probe.GetAsync(server.Endpoint + "/ready");
            return ready.StatusCode == HttpStatusCode.ServiceUnavailable && (await ready.Content.ReadAsStringAsync()).Contains("\"store\":\"failing\"", StringComparison.Ordinal);
        });

        // The AWS CLI, sent while the database is still away, retries the 503 until it is back, and gets its segment stored.
        var environment = new Dictionary<string, string>(server.ClientEnvironment()) { ["AWS_RETRY_MODE"] = "standard", ["AWS_MAX_ATTEMPTS"] = "20" };
        var unavailableSoFar = server.Logs.Lines.Count(line => line.Contains("[330]", StringComparison.Ordinal));
        var cli = AwsCli.RunAsync(server.Endpoint, environment, "xray", "put-trace-segments", "--trace-segment-documents", duringDocument);
        await Eventually.WaitAsync("the CLI's first attempt answered 503", () => server.Logs.Lines.Count(line => line.Contains("[330]", StringComparison.Ordinal)) > unavailableSoFar);
        relay.Restore();
        var sent = await cli;
        output.WriteLine(sent.Output);
        Assert.True(sent.ExitCode == 0, sent.Output);
        Assert.Empty(JsonNode.Parse(sent.StandardOutput)!["UnprocessedTraceSegments"]!.AsArray());

        await Eventually.WaitAsync("/ready is ready again", async () =>
        {
            using var ready = await probe.GetAsync(server.Endpoint + "/ready");
            return ready.StatusCode == HttpStatusCode.OK;
        });

        // Propagation failed every round (four a second) while the database was away: one line at the first failure, the
        // next only after 30 s, and one when it works again.
        await Eventually.WaitAsync("propagation says it works again", () => server.Logs.Lines.Any(line => line.Contains("[480]", StringComparison.Ordinal)));
        var failureLines = server.Logs.Lines.Where(line => line.Contains("EncryptionPropagationService[6]", StringComparison.Ordinal) || line.Contains("[480]", StringComparison.Ordinal)).ToList();
        Assert.True(
            failureLines.Count(line => line.Contains("EncryptionPropagationService[6]", StringComparison.Ordinal)) <= 1 + (int)(outage.Elapsed / TimeSpan.FromSeconds(30)),
            "propagation logged its failures more often than every 30 s:\n" + string.Join("\n", failureLines));

        await xray.AssertStoredAsSentAsync(new Dictionary<string, List<string>>(StringComparer.Ordinal)
        {
            [before] = [beforeDocument],
            [during] = [duringDocument],
        });
    }
}
