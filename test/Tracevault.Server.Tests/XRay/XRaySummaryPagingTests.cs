using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Storage.Traces;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>GetTraceSummaries reads chunks newest first and stops early; a trace spread over many chunks must still come back whole, once.</summary>
public sealed class XRaySummaryPagingTests
{
    [Fact]
    public async Task GetTraceSummaries_TracesSpreadOverManyChunks_ComeBackWholeAndOnceAcrossPages()
    {
        await using var server = await TestServer.StartAsync();
        using var xray = XRayApiClient.For(server);
        var now = Now();
        const int traces = 130;
        var ids = Enumerable.Range(0, traces).Select(i => TraceId(now - 600 + i * 3, i.ToString("x24", CultureInfo.InvariantCulture))).ToList();

        // Each trace's root segment and its downstream segment go in separate requests, 60 requests apart: they land in different chunks.
        for (var round = 0; round < 2; round++)
        {
            foreach (var batch in ids.Select((id, i) => (id, i)).Chunk(2))
            {
                var documents = batch.Select(t =>
                {
                    var start = now - 600 + t.i * 3;
                    return round == 0
                        ? Segment(t.id, $"{t.i:x12}0001", "front", start, start + 2).ToJsonString()
                        : Segment(t.id, $"{t.i:x12}0002", "back", start + 0.5, start + 2.5, s => s["parent_id"] = $"{t.i:x12}0001").ToJsonString();
                });
                Assert.Empty(await xray.PutTraceSegmentsAsync(documents));
            }
        }

        var chunks = (await server.Server.Services.GetRequiredService<ITraceStore>().DataKeyUsageAsync(CancellationToken.None)).Sum(u => u.Chunks);
        Assert.True(chunks > 20, $"the test needs the traces spread over many chunks, got {chunks}");

        var (seen, pages) = await ReadAllPagesAsync(xray, now);

        Assert.Equal(2, pages);
        Assert.Equal(traces, seen.Count);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);
    }

    [Fact]
    public async Task GetTraceSummaries_TracesSpreadOverFramesOfManyChunks_ComeBackWholeAndOnceNewestFirst()
    {
        await using var server = await TestServer.StartAsync();
        using var xray = XRayApiClient.For(server);
        var now = Now();
        const int traces = 240;
        var ids = Enumerable.Range(0, traces).Select(i => TraceId(now - 900 + i, i.ToString("x24", CultureInfo.InvariantCulture))).ToList();

        // A trace a second, each of a root segment and a downstream one of about 6 KB, sent in two rounds of requests of 24 and of
        // 17 traces: each request's chunk holds several frames of a few seconds each, every trace is in two chunks, and the frames of
        // the two rounds begin and end at different seconds. A newest-first read that took a trace as whole once one of its frames
        // was open would answer half of it.
        var padding = new string('x', 6000);
        foreach (var (round, size) in new[] { (0, 24), (1, 17) })
        {
            foreach (var batch in ids.Select((id, i) => (id, i)).Chunk(size))
            {
                var documents = batch.Select(t =>
                {
                    var start = now - 900 + t.i;
                    return round == 0
                        ? Segment(t.id, $"{t.i:x12}0001", "front", start, start + 2, s => s["metadata"] = new JsonObject { ["padding"] = padding }).ToJsonString()
                        : Segment(t.id, $"{t.i:x12}0002", "back", start + 0.5, start + 2.5, s =>
                        {
                            s["parent_id"] = $"{t.i:x12}0001";
                            s["metadata"] = new JsonObject { ["padding"] = padding };
                        }).ToJsonString();
                });
                Assert.Empty(await xray.PutTraceSegmentsAsync(documents));
            }
        }

        var (seen, _) = await ReadAllPagesAsync(xray, now);

        Assert.Equal(ids.AsEnumerable().Reverse(), seen);
    }

    /// <summary>Pages through the last hour's summaries; each must be of a whole trace (its two segments, 2.5 s long). The ids in order, and the page count.</summary>
    private static async Task<(List<string> Ids, int Pages)> ReadAllPagesAsync(XRayApiClient xray, long now)
    {
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await xray.GetTraceSummariesAsync(now - 3600, now + 60, nextToken: token);
            pages++;
            foreach (var summary in page["TraceSummaries"]!.AsArray())
            {
                seen.Add(summary!["Id"]!.GetValue<string>());
                Assert.Equal(2.5, summary["Duration"]!.GetValue<double>(), 3);
                Assert.Equal(2, summary["ServiceIds"]!.AsArray().Count);
            }

            token = XRayApiClient.Text(page, "NextToken");
        }
        while (token is not null);

        return (seen, pages);
    }
}
