using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Otlp;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Otlp;

/// <summary>OTLP exports on a full disk (the data directory on an 8 MB tmpfs, so the test needs root): answered 503 to retry, counted as disk full, stored again once space is freed.</summary>
public sealed class OtlpFullDiskTests
{
    [SkippableFact]
    public async Task FullDisk_SpansAreAnswered503AndCountedAsDiskFull_StoredAgainOnceSpaceIsFreed()
    {
        await using var tmpfs = await SmallTmpfs.MountAsync();
        await using var server = await TestServer.StartAsync(dataDirectory: Path.Combine(tmpfs.Path, "data"));
        var counters = server.Server.Services.GetRequiredService<OtlpCounters>();
        using var http = new HttpClient();
        var url = server.Endpoint + OtlpHttpEndpoint.TracesPath;
        async Task<int> ExportAsync()
        {
            var now = DateTimeOffset.UtcNow;
            var traceId = OtlpSpans.XRayStyleTraceId(now);
            var spans = Enumerable.Range(0, 20).Select(i => OtlpSpans.Span(traceId, now, "s", s => s.Attributes.Add(OtlpSpans.Attribute("noise", Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2000)))))).ToArray();
            using var response = await http.SendAsync(OtlpSpans.Post(url, OtlpSpans.Request("full", spans).ToByteArray()));
            if ((int)response.StatusCode == 503)
            {
                Assert.Equal("5", response.Headers.RetryAfter?.ToString());
                Assert.Contains("disk holding its data is full", (await OtlpSpans.ReadErrorAsync(response, 503)).Message, StringComparison.Ordinal);
            }

            return (int)response.StatusCode;
        }

        Assert.Equal(200, await ExportAsync());
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

        // The WAL may reuse space it already has for a while.
        var refused = 0;
        for (var attempt = 0; attempt < 200 && refused < 2; attempt++)
        {
            var status = await ExportAsync();
            Assert.True(status is 200 or 503, $"answered {status}");
            refused += status == 503 ? 1 : 0;
        }

        Assert.Equal(2, refused);
        var counts = counters.Snapshot();
        Assert.Equal(40, counts.RejectedStorageFull);
        Assert.Equal(0, counts.RejectedUnavailable);
        Assert.Equal(counts.Received, counts.Stored + counts.RejectedStorageFull);
        Assert.Contains(server.Logs.Lines, line => line.Contains("Disk full: 20 span(s) of an OTLP export were not stored", StringComparison.Ordinal));

        File.Delete(filler);
        Assert.Equal(200, await ExportAsync());
    }
}
