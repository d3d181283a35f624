using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>The real server killed with SIGKILL while signed PutTraceSegments calls are in flight: every acknowledged segment survives.</summary>
public sealed class CrashDurabilityTests(ITestOutputHelper output) : IDisposable
{
    private const int Runs = 3;
    private const int Senders = 4;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-crash-" + Path.GetRandomFileName());
    private readonly string _canary = "canary-" + Guid.NewGuid().ToString("N");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public async Task KilledDuringConcurrentIngest_KeepsEveryAcknowledgedSegment()
    {
        var acknowledged = new ConcurrentDictionary<string, List<string>>(StringComparer.Ordinal);
        var logs = new List<string>();
        for (var run = 0; run < Runs; run++)
        {
            await using var server = await ServerProcess.StartAsync(_data);
            var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
            var before = acknowledged.Count;
            using var stop = new CancellationTokenSource();
            var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(() => SendUntilFailureAsync(server.Endpoint, keyId, secret, acknowledged, stop.Token))).ToList();

            // Kill once this run has had a good number of requests acknowledged, with the senders still sending.
            var deadline = DateTime.UtcNow.AddMinutes(2);
            while (acknowledged.Count < before + 30 && DateTime.UtcNow < deadline && senders.All(s => !s.IsCompleted))
            {
                await Task.Delay(20);
            }

            Assert.True(acknowledged.Count >= before + 30, $"run {run}: only {acknowledged.Count - before} requests were acknowledged before the deadline:\n{server.Output}");
            await server.KillAsync();
            await stop.CancelAsync();
            var sent = await Task.WhenAll(senders);
            output.WriteLine($"run {run}: {acknowledged.Count - before} traces acknowledged, {sent.Sum()} requests cut off or refused by the kill");
            logs.Add(server.Output);
        }

        await using (var server = await ServerProcess.StartAsync(_data))
        {
            var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
            using var client = new XRayApiClient(server.Endpoint, keyId, secret);
            foreach (var batch in acknowledged.Keys.Chunk(5))
            {
                var answer = await client.BatchGetTracesAsync(batch);
                Assert.Empty(answer["UnprocessedTraceIds"]!.AsArray());
                var traces = answer["Traces"]!.AsArray().ToDictionary(t => t!["Id"]!.GetValue<string>(), t => t!["Segments"]!.AsArray().Select(s => s!["Document"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList());
                foreach (var traceId in batch)
                {
                    Assert.True(traces.ContainsKey(traceId), $"acknowledged trace {traceId} is lost");
                    Assert.Equal(acknowledged[traceId].Order(StringComparer.Ordinal), traces[traceId]);
                }
            }

            logs.Add(server.Output);
        }

        foreach (var log in logs)
        {
            LogCheck.AssertClean(log, _data, _canary);
        }
    }

    /// <summary>Sends one new trace per request until the server goes away; records what was acknowledged; returns how many requests failed.</summary>
    private async Task<int> SendUntilFailureAsync(string endpoint, string keyId, string secret, ConcurrentDictionary<string, List<string>> acknowledged, CancellationToken stop)
    {
        using var http = new SignedHttpClient(endpoint, keyId, secret);
        while (!stop.IsCancellationRequested)
        {
            var (traceId, documents) = IngestDocuments.Trace(Now(), _canary, segments: 5, noiseBytes: 200);
            var body = new JsonObject { ["TraceSegmentDocuments"] = new JsonArray(documents.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()) };
            try
            {
                using var response = await http.XRayAsync("/TraceSegments", SignedHttpClient.Json(body.ToJsonString()));
                var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
                Assert.True(response.StatusCode == HttpStatusCode.OK, text);
                if (JsonNode.Parse(text)!["UnprocessedTraceSegments"]!.AsArray().Count == 0)
                {
                    acknowledged[traceId] = documents;
                }
            }
            catch (HttpRequestException)
            {
                // The server was killed: this request has no answer, so nothing of it was acknowledged.
                return 1;
            }
        }

        return 0;
    }
}
