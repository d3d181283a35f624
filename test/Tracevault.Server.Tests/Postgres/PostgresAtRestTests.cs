using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.Postgres;

/// <summary>Trace data at rest in PostgreSQL: nothing a segment said is readable in the cluster's files (tables, indexes, TOAST, WAL) or in a <c>pg_dump</c> of the database.</summary>
public sealed class PostgresAtRestTests : IDisposable
{
    private const string Canary = "Pg7CanaryQx4";

    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgrest-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Stored_segments_are_in_no_file_of_the_cluster_and_in_no_dump_of_the_database()
    {
        var database = PostgresCluster.Shared.CreateDatabase();
        await using var server = await TestServer.StartAsync(dataDirectory: Path.Combine(_root, "node"), configure: options => options.Postgres = database);
        var now = Now();
        var traces = new[] { TraceId(now, "9c0ffee00000000000000a01"), TraceId(now, "9c0ffee00000000000000a02"), TraceId(now, "9c0ffee00000000000000a03") };
        var segmentIds = new[] { "9c0ffee000000b01", "9c0ffee000000b02", "9c0ffee000000b03", "9c0ffee000000b04" };
        var documents = new[]
        {
            Segment(traces[0], segmentIds[0], "svc-" + Canary, now, now + 1, s =>
            {
                s["annotations"] = new JsonObject { ["secret"] = "annotation-" + Canary };
                s["metadata"] = new JsonObject { ["default"] = new JsonObject { ["note"] = "metadata-" + Canary } };
                s["http"] = HttpExchange("GET", "https://shop.example/" + Canary + "/orders", 200);
                s["user"] = "user-" + Canary;
            }).ToJsonString(),
            Segment(traces[1], segmentIds[1], "svc", now, now + 2, s => s["metadata"] = new JsonObject { ["default"] = new JsonObject { ["blob"] = string.Concat(Enumerable.Repeat(Canary, 500)) } }).ToJsonString(),
        };
        using var xray = XRayApiClient.For(server);
        await StoreUntilChunksAreCompressedWithADictionaryAsync(xray, database, now);
        Assert.Empty(await xray.PutTraceSegmentsAsync(documents));
        var overUdp = Segment(traces[2], segmentIds[2], "udp-" + Canary, now, now + 1).ToJsonString();
        using (var udp = new UdpClient())
        {
            await udp.SendAsync(Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + overUdp), server.Server.Endpoint);
        }

        Assert.NotEmpty(await xray.WaitForTraceAsync(traces[2], 1));
        await xray.AssertStoredAsSentAsync(new Dictionary<string, List<string>>(StringComparer.Ordinal)
        {
            [traces[0]] = [documents[0]],
            [traces[1]] = [documents[1]],
            [traces[2]] = [overUdp],
        });

        // Written through to the table files, not only to the write-ahead log (which is scanned too).
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
            await checkpoint.ExecuteNonQueryAsync();
        }

        var needles = Needles(traces, segmentIds);
        AssertNoFileHolds(Directory.GetFiles(PostgresCluster.Shared.DataPath, "*", SearchOption.AllDirectories), needles, server.AdminAccessKeyId);

        var dump = Path.Combine(_root, "dump.sql");
        var dumped = await ProcessRunner.RunAsync(PgDump(), ["--host", database.Host!, "--port", database.Port.ToString(CultureInfo.InvariantCulture), "--username", database.Username!,
            "--dbname", database.Database!, "--file", dump], _root);
        Assert.True(dumped.ExitCode == 0, dumped.Output);
        AssertNoFileHolds([dump], needles, server.AdminAccessKeyId);
    }

    /// <summary>Stores canary segments until the writer has trained a compression dictionary on them and sealed chunks with it, so the scan covers the sealed dictionary too.</summary>
    private static async Task StoreUntilChunksAreCompressedWithADictionaryAsync(XRayApiClient xray, NpgsqlConnectionStringBuilder database, long now)
    {
        for (var batch = 0; batch < 100; batch++)
        {
            var documents = Enumerable.Range(batch * 50, 50).Select(i => Segment(
                TraceId(now, "9d1c7000000000000000" + (i / 10).ToString("x4", CultureInfo.InvariantCulture)),
                (0x0d1c700000000000 + i).ToString("x16", CultureInfo.InvariantCulture),
                "bulk",
                now,
                now + 1,
                s => s["metadata"] = new JsonObject { ["default"] = new JsonObject { ["note"] = $"{Canary} order {i}", ["padding"] = new string('x', 500) } }).ToJsonString()).ToList();
            Assert.Empty(await xray.PutTraceSegmentsAsync(documents));
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM chunks WHERE dictionary_id IS NOT NULL", connection);
            if ((long)(await count.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }

        Assert.Fail("No chunk was compressed with a dictionary after 5,000 segments.");
    }

    private static string PgDump() =>
        Directory.GetDirectories("/usr/lib/postgresql")
            .Select(version => Path.Combine(version, "bin", "pg_dump"))
            .Where(File.Exists)
            .OrderByDescending(path => int.Parse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path)))!, CultureInfo.InvariantCulture))
            .First();

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

    private static void AssertNoFileHolds(IEnumerable<string> files, List<(string What, byte[] Bytes)> needles, string plaintextTheScanMustSee)
    {
        var seen = false;
        var scanned = 0;
        foreach (var file in files)
        {
            byte[] content;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                content = copy.ToArray();
            }
            catch (Exception exception) when (exception is FileNotFoundException or DirectoryNotFoundException)
            {
                // A temporary file of the server's, gone between listing and reading.
                continue;
            }

            scanned++;
            seen |= content.AsSpan().IndexOf(Encoding.UTF8.GetBytes(plaintextTheScanMustSee)) >= 0;
            foreach (var (what, bytes) in needles)
            {
                Assert.True(content.AsSpan().IndexOf(bytes) < 0, $"{file} holds the {what} '{Encoding.UTF8.GetString(bytes)}' in the clear");
            }
        }

        Assert.True(scanned > 0, "no file was scanned");

        // The scan reads what is plain: the admin's access key id is stored in the clear.
        Assert.True(seen, "the scan found the access key id, which is stored in the clear");
    }
}
