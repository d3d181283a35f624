using System.Net;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>
/// The real server with its data directory on a small file system (an 8 MB tmpfs, so the test needs root): filled up, it answers
/// what it could not store as retryable, stores nothing it did not acknowledge, and stores again once space is freed.
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output)
{
    private readonly string _canary = "canary-" + Guid.NewGuid().ToString("N");

    [SkippableFact]
    public async Task FullDisk_AnswersStorageFullAndResumesWhenSpaceIsFreed()
    {
        await using var tmpfs = await SmallTmpfs.MountAsync();
        var data = Path.Combine(tmpfs.Path, "data");

        var acknowledged = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        await using var server = await ServerProcess.StartAsync(data);
        var (keyId, secret) = DataDirectoryFiles.AdminCredentials(data);
        using var http = new SignedHttpClient(server.Endpoint, keyId, secret);
        Assert.Equal(0, (await PutAsync(http, acknowledged)).Full);

        // Fill the file system to the last byte.
        var filler = Path.Combine(tmpfs.Path, "filler");
        await using (var stream = new FileStream(filler, FileMode.Create, FileAccess.Write))
        {
            var block = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    stream.Write(block);
                }
            }
            catch (IOException)
            {
                // ENOSPC: full.
            }
        }

        // The WAL may reuse space it already has for a while; each request either is stored whole or is refused whole.
        var refused = 0;
        for (var attempt = 0; attempt < 200 && refused < 3; attempt++)
        {
            var (stored, full) = await PutAsync(http, acknowledged);
            Assert.True(stored == 0 || full == 0, "a request was stored in part");
            refused += full > 0 ? 1 : 0;
        }

        output.WriteLine(server.Output);
        Assert.True(refused >= 3, "the full disk never refused a write");
        Assert.Contains("Disk full: ", server.Output);
        Assert.Contains("SQLite 13/", server.Output);

        // Another protocol's write on the full disk: a 503 the SDKs retry, not a bare 500.
        using (var kms = await http.KmsAsync("CreateKey", SignedHttpClient.Json("""{"Description":"on a full disk"}""")))
        {
            var text = await kms.Content.ReadAsStringAsync();
            output.WriteLine($"CreateKey on a full disk: {(int)kms.StatusCode} {text}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, kms.StatusCode);
            Assert.Contains("KMSInternalException", text);
        }

        File.Delete(filler);
        Assert.Equal((1, 0), await PutAsync(http, acknowledged));

        using var client = new XRayApiClient(server.Endpoint, keyId, secret);
        foreach (var batch in acknowledged.Keys.Chunk(5))
        {
            var answer = await client.BatchGetTracesAsync(batch);
            var traces = answer["Traces"]!.AsArray().ToDictionary(t => t!["Id"]!.GetValue<string>(), t => t!["Segments"]!.AsArray().Select(s => s!["Document"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList());
            foreach (var traceId in batch)
            {
                Assert.Equal(acknowledged[traceId].Order(StringComparer.Ordinal), traces[traceId]);
            }
        }

        LogCheck.AssertClean(server.Output, data, _canary);
    }

    /// <summary>Sends one trace of 20 segments; answers whether it was stored (1, 0) or refused as StorageFull (0, 1); asserts nothing else happened.</summary>
    private async Task<(int Stored, int Full)> PutAsync(SignedHttpClient http, Dictionary<string, List<string>> acknowledged)
    {
        var (traceId, documents) = IngestDocuments.Trace(Now(), _canary, segments: 20, noiseBytes: 4000);
        var body = new JsonObject { ["TraceSegmentDocuments"] = new JsonArray(documents.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()) };
        using var response = await http.XRayAsync("/TraceSegments", SignedHttpClient.Json(body.ToJsonString()));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PutTraceSegments answered {(int)response.StatusCode}: {text}");
        var unprocessed = JsonNode.Parse(text)!["UnprocessedTraceSegments"]!.AsArray();
        if (unprocessed.Count == 0)
        {
            acknowledged[traceId] = documents;
            return (1, 0);
        }

        Assert.Equal(documents.Count, unprocessed.Count);
        Assert.All(unprocessed, u => Assert.Equal("StorageFull", u!["ErrorCode"]!.GetValue<string>()));
        return (0, 1);
    }
}
