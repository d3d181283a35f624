using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using Xunit.Abstractions;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Hardening;

/// <summary>A damaged database as a bad disk leaves it, met by the real server process and by <c>tracevault check</c>.</summary>
public sealed class DamageTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "tracevault-damage-" + Path.GetRandomFileName());
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
    public async Task DamagedChunk_ReadsGiveTheRestAndCheckNamesIt()
    {
        var now = Now();
        var traceIds = Enumerable.Range(1, 5).Select(i => TraceId(now - 60 + i, "d" + i.ToString("x", CultureInfo.InvariantCulture))).ToArray();
        await using (var first = await ServerProcess.StartAsync(_data))
        {
            using var client = Client(first);
            foreach (var traceId in traceIds)
            {
                // One request at a time: each trace is one chunk of its own.
                Assert.Empty(await client.PutTraceSegmentsAsync(Documents(traceId, now)));
            }
        }

        DataDirectoryFiles.Checkpoint(_data);
        var chunks = DataDirectoryFiles.ChunkIds(_data);
        Assert.Equal(5, chunks.Count);
        var damaged = chunks[^1];
        DataDirectoryFiles.FlipSealedBodyByte(_data, damaged, fromEnd: 64);

        await using (var server = await ServerProcess.StartAsync(_data))
        {
            using var client = Client(server);
            var answer = await client.BatchGetTracesAsync(traceIds);
            output.WriteLine(answer.ToJsonString());
            Assert.Equal(traceIds[..4].Order(StringComparer.Ordinal), answer["Traces"]!.AsArray().Select(t => t!["Id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            Assert.Equal([traceIds[4]], answer["UnprocessedTraceIds"]!.AsArray().Select(t => t!.GetValue<string>()));
            foreach (var trace in answer["Traces"]!.AsArray())
            {
                Assert.Equal(2, trace!["Segments"]!.AsArray().Count);
            }

            var summaries = await client.GetTraceSummariesAsync(now - 3600, now + 60);
            output.WriteLine(summaries.ToJsonString());
            Assert.Equal(traceIds[..4].Order(StringComparer.Ordinal), summaries["TraceSummaries"]!.AsArray().Select(t => t!["Id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
            Assert.Equal(4, summaries["TracesProcessedCount"]!.GetValue<int>());

            var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
            using var console = new ConsoleHttpClient(server.Endpoint);
            (await console.SignInAsync(keyId, secret)).Dispose();
            using var page = await console.GetAsync("/console/traces");
            var html = await page.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<strong id=\"damaged-count\">1</strong> traces could not be read: damaged", html);
            foreach (var traceId in traceIds[..4])
            {
                Assert.Contains(traceId, html);
            }

            // Once per chunk, with its id, however many reads meet it.
            var log = server.Output;
            output.WriteLine(log);
            Assert.Single(log.Split('\n'), line => line.Contains($"Chunk {damaged} of account", StringComparison.Ordinal) && line.Contains("is damaged", StringComparison.Ordinal));
            LogCheck.AssertClean(log, _data, _canary);
        }

        var check = await ServerProcess.RunCommandAsync("check", "--data", _data);
        output.WriteLine(check.Output);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("integrity check ok", check.StandardOutput);
        Assert.Contains($"chunk {damaged} (account ", check.StandardOutput);
        Assert.Contains("1 of 1 frames do not open", check.StandardOutput);
        Assert.Contains($"lost trace (first of a damaged frame): {traceIds[4]}", check.StandardOutput);
        Assert.Contains("chunks: 5 checked in 1 account(s), 1 damaged", check.StandardOutput);
        Assert.DoesNotContain(_canary, check.Output);
    }

    [Fact]
    public async Task Check_OnASoundStore_ExitsZero()
    {
        var now = Now();
        await using (var server = await ServerProcess.StartAsync(_data))
        {
            using var client = Client(server);
            Assert.Empty(await client.PutTraceSegmentsAsync(Documents(TraceId(now, "c1"), now)));
        }

        var check = await ServerProcess.RunCommandAsync("check", "--data", _data);
        output.WriteLine(check.Output);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("chunks: 1 checked in 1 account(s), 0 damaged", check.StandardOutput);
        Assert.Contains("result: clean", check.StandardOutput);
    }

    [Fact]
    public async Task DamagedIndexPage_IsNamedInTheLogAndByCheck()
    {
        var now = Now();
        await using (var first = await ServerProcess.StartAsync(_data))
        {
            using var client = Client(first);
            Assert.Empty(await client.PutTraceSegmentsAsync(Documents(TraceId(now, "e1"), now)));
        }

        DataDirectoryFiles.Checkpoint(_data);
        DataDirectoryFiles.SmashRootPage(_data, "chunks_by_time");

        await using (var server = await ServerProcess.StartAsync(_data))
        {
            using var http = new SignedHttpClient(server.Endpoint, DataDirectoryFiles.AdminCredentials(_data).AccessKeyId, DataDirectoryFiles.AdminCredentials(_data).Secret);
            using var response = await http.XRayAsync("/TraceSummaries", SignedHttpClient.Json(new JsonObject { ["StartTime"] = now - 600, ["EndTime"] = now + 60 }.ToJsonString()));
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            // The log is written apart from the answer: it may reach the output just after the 500 does.
            await Eventually.WaitAsync("the damage logged", () => server.Output.Contains("database disk image is malformed", StringComparison.Ordinal));
            output.WriteLine(server.Output);
            LogCheck.AssertClean(server.Output, _data, _canary);
            Assert.Contains("SQLite 11/", server.Output);
        }

        var check = await ServerProcess.RunCommandAsync("check", "--data", _data);
        output.WriteLine(check.Output);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("integrity check found", check.StandardOutput);
        Assert.Contains("table chunks", check.StandardOutput);
    }

    [Fact]
    public async Task NotATracevaultDatabase_IsRefusedAndLeftAlone()
    {
        Directory.CreateDirectory(_data);
        var database = DataDirectoryFiles.Database(_data);
        var random = new byte[8192];
        Random.Shared.NextBytes(random);
        File.WriteAllBytes(database, random);

        var serve = await ServerProcess.RunCommandAsync("serve", "--data", _data, "--listen", "127.0.0.1:0");
        output.WriteLine(serve.Output);
        Assert.Equal(1, serve.ExitCode);
        Assert.Contains("is not a Tracevault database: it is not an SQLite database file", serve.StandardError);
        Assert.Equal(random, File.ReadAllBytes(database));

        var check = await ServerProcess.RunCommandAsync("check", "--data", _data);
        Assert.Equal(1, check.ExitCode);
        Assert.Contains("not a Tracevault database", check.StandardOutput);

        // Another application's SQLite database: refused, and not switched to WAL or given Tracevault's tables.
        File.Delete(database);
        using (var other = DataDirectoryFiles.Open(_data))
        using (var command = other.CreateCommand())
        {
            command.CommandText = "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine')";
            command.ExecuteNonQuery();
        }

        var before = File.ReadAllBytes(database);
        var again = await ServerProcess.RunCommandAsync("serve", "--data", _data, "--listen", "127.0.0.1:0");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("without Tracevault's tables", again.StandardError);
        Assert.Equal(before, File.ReadAllBytes(database));
    }

    private XRayApiClient Client(ServerProcess server)
    {
        var (keyId, secret) = DataDirectoryFiles.AdminCredentials(_data);
        return new XRayApiClient(server.Endpoint, keyId, secret);
    }

    private string[] Documents(string traceId, long now) =>
    [
        Segment(traceId, "a000000000000001", "front", now - 2, now - 1, s => s["metadata"] = new JsonObject { ["default"] = new JsonObject { ["note"] = _canary } }).ToJsonString(),
        Segment(traceId, "a000000000000002", "back", now - 2, now - 1, s => s["parent_id"] = "a000000000000001").ToJsonString(),
    ];
}
