using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Tracevault.Server.Tests.Infrastructure;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Trace data at rest: nothing a segment said is readable in the data directory, and what was acknowledged survives SIGKILL.</summary>
public sealed class XRayAtRestTests
{
    private const string Canary = "Qv7CanaryZx9";

    [Fact]
    public async Task StoredSegments_WhileRunningAndAfterStop_NoFileInTheDataDirectoryHoldsTheirContentOrIds()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());
        var server = await TestServer.StartAsync(dataDirectory: directory);
        var running = true;
        try
        {
            var now = Now();
            var traces = new[] { TraceId(now, "c0ffee000000000000000a01"), TraceId(now, "c0ffee000000000000000a02"), TraceId(now, "c0ffee000000000000000a03") };
            var segmentIds = new[] { "c0ffee0000000b01", "c0ffee0000000b02", "c0ffee0000000b03", "c0ffee0000000b04", "c0ffee0000000b05" };
            var documents = new[]
            {
                Segment(traces[0], segmentIds[0], "svc-" + Canary, now, now + 1, s =>
                {
                    s["annotations"] = new JsonObject { ["secret"] = "annotation-" + Canary };
                    s["metadata"] = new JsonObject { ["default"] = new JsonObject { ["note"] = "metadata-" + Canary } };
                    s["http"] = HttpExchange("GET", "https://shop.example/" + Canary + "/orders", 200);
                    s["user"] = "user-" + Canary;
                }).ToJsonString(),
                new JsonObject
                {
                    ["type"] = "subsegment", ["trace_id"] = traces[0], ["parent_id"] = segmentIds[0], ["id"] = segmentIds[1],
                    ["name"] = "sub-" + Canary, ["start_time"] = now + 0.1, ["in_progress"] = true,
                }.ToJsonString(),
                Segment(traces[1], segmentIds[2], "svc", now, now + 2, s => s["metadata"] = new JsonObject { ["default"] = new JsonObject { ["blob"] = string.Concat(Enumerable.Repeat(Canary, 500)) } }).ToJsonString(),
            };
            using var xray = XRayApiClient.For(server);
            await StoreUntilChunksAreCompressedWithADictionaryAsync(xray, directory, now);
            Assert.Empty(await xray.PutTraceSegmentsAsync(documents));
            var overUdp = Segment(traces[2], segmentIds[3], "udp-" + Canary, now, now + 1).ToJsonString();
            using (var udp = new UdpClient())
            {
                await udp.SendAsync(Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + overUdp), server.Server.Endpoint);
            }

            Assert.NotEmpty(await xray.WaitForTraceAsync(traces[2], 1));
            var afterUdp = Segment(traces[2], segmentIds[4], "svc", now, now + 1, s => s["annotations"] = new JsonObject { ["k"] = Canary }).ToJsonString();
            Assert.Empty(await xray.PutTraceSegmentsAsync([afterUdp]));

            // The data is there to be found through the API, every document as it was sent (the streamed subsegment joined into
            // its segment, as X-Ray returns it), so an empty scan means encrypted, not missing.
            var joined = JsonNode.Parse(documents[0])!.AsObject();
            joined["subsegments"] = new JsonArray(new JsonObject { ["id"] = segmentIds[1], ["name"] = "sub-" + Canary, ["start_time"] = now + 0.1, ["in_progress"] = true });
            await xray.AssertStoredAsSentAsync(new Dictionary<string, List<string>>(StringComparer.Ordinal)
            {
                [traces[0]] = [joined.ToJsonString()],
                [traces[1]] = [documents[2]],
                [traces[2]] = [overUdp, afterUdp],
            });

            var needles = Needles(traces, segmentIds);
            var wal = new FileInfo(Path.Combine(directory, "tracevault.db-wal"));
            Assert.True(wal.Exists && wal.Length > 0, "the write-ahead log holds the recent writes, not yet checkpointed");
            AssertNoFileHolds(directory, needles, server.AdminAccessKeyId);

            await server.Server.DisposeAsync();
            running = false;
            SqliteConnection.ClearAllPools();
            AssertNoFileHolds(directory, needles, server.AdminAccessKeyId);
        }
        finally
        {
            if (running)
            {
                await server.Server.DisposeAsync();
            }

            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task AcknowledgedSegments_ServerKilledWithSigkill_AreThereAfterRestart()
    {
        var directory = Path.Combine(Path.GetTempPath(), "tracevault-test-" + Path.GetRandomFileName());
        try
        {
            var now = Now();
            var traces = Enumerable.Range(1, 20).Select(i => TraceId(now, "de0000000000000000000" + i.ToString("x3", System.Globalization.CultureInfo.InvariantCulture))).ToList();
            var sent = traces.Select((trace, i) => (trace, document: Segment(trace, "de000000000000" + i.ToString("x2", System.Globalization.CultureInfo.InvariantCulture), "durable", now, now + 1).ToJsonString()))
                .ToDictionary(t => t.trace, t => new List<string> { t.document }, StringComparer.Ordinal);
            await using (var first = await ServerProcess.StartAsync(directory))
            {
                using var xray = Client(first, directory);

                // Concurrent callers, so group commit puts several acknowledgements behind one durable commit.
                var answers = await Task.WhenAll(traces.Select(trace => xray.PutTraceSegmentsAsync(sent[trace])));
                Assert.All(answers, Assert.Empty);
                await first.KillAsync();
            }

            await using var second = await ServerProcess.StartAsync(directory);
            using var reader = Client(second, directory);
            await reader.AssertStoredAsSentAsync(sent);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Stores segments holding the canary until the writer has trained a compression dictionary on them (from 256 KB of
    /// documents, in the background) and seals chunks with it, so the scan covers the sealed dictionary and its chunks too.
    /// </summary>
    private static async Task StoreUntilChunksAreCompressedWithADictionaryAsync(XRayApiClient xray, string directory, long now)
    {
        for (var batch = 0; batch < 100; batch++)
        {
            var documents = Enumerable.Range(batch * 50, 50).Select(i => Segment(
                TraceId(now, "0d1c7000000000000000" + (i / 10).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)),
                (0x0d1c700000000000 + i).ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
                "bulk",
                now,
                now + 1,
                s => s["metadata"] = new JsonObject { ["default"] = new JsonObject { ["note"] = $"{Canary} order {i}", ["padding"] = new string('x', 500) } }).ToJsonString()).ToList();
            Assert.Empty(await xray.PutTraceSegmentsAsync(documents));
            using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, "tracevault.db")};Mode=ReadOnly");
            connection.Open();
            using var count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM chunks WHERE dictionary_id IS NOT NULL";
            if ((long)count.ExecuteScalar()! > 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        Assert.Fail("No chunk was compressed with a dictionary after 5,000 segments.");
    }

    private static XRayApiClient Client(ServerProcess server, string directory)
    {
        var credentials = File.ReadAllLines(Path.Combine(directory, "credentials"))
            .Select(line => line.Split(" = ", 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim());
        return new XRayApiClient(server.Endpoint, credentials["aws_access_key_id"], credentials["aws_secret_access_key"]);
    }

    private static List<(string What, byte[] Bytes)> Needles(string[] traces, string[] segmentIds)
    {
        var texts = new List<(string, string)> { ("canary", Canary) };
        foreach (var trace in traces)
        {
            texts.Add(("trace id", trace));
            texts.Add(("trace id without dashes", trace.Replace("-", "", StringComparison.Ordinal)[1..]));
            texts.Add(("trace id's random part", trace[11..]));
        }

        texts.AddRange(segmentIds.Select(id => ("segment id", id)));
        var needles = new List<(string, byte[])>();
        foreach (var (what, text) in texts)
        {
            needles.Add((what, Encoding.UTF8.GetBytes(text)));
            needles.Add((what + " in upper case", Encoding.UTF8.GetBytes(text.ToUpperInvariant())));
            needles.Add((what + " in UTF-16", Encoding.Unicode.GetBytes(text)));
        }

        return needles;
    }

    private static void AssertNoFileHolds(string directory, List<(string What, byte[] Bytes)> needles, string plaintextTheScanMustSee)
    {
        var files = Directory.GetFiles(directory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => f.EndsWith("tracevault.db", StringComparison.Ordinal));
        var seen = false;
        foreach (var file in files)
        {
            byte[] content;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                content = copy.ToArray();
            }

            seen |= content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(plaintextTheScanMustSee)) >= 0;
            foreach (var (what, bytes) in needles)
            {
                Assert.True(content.AsSpan().IndexOf(bytes) < 0, $"{Path.GetFileName(file)} holds the {what} '{Encoding.UTF8.GetString(bytes)}' in the clear");
            }
        }

        // The scan reads what is plain: the admin's access key id is in the credentials file.
        Assert.True(seen, "the scan found the access key id, which is stored in the clear");
    }
}
