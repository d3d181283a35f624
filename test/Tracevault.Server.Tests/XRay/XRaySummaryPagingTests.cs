using System.Globalization;
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

        var chunks = server.Server.Services.GetRequiredService<ITraceStore>().DataKeyUsage().Sum(u => u.Chunks);
        Assert.True(chunks > 20, $"the test needs the traces spread over many chunks, got {chunks}");

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

        Assert.Equal(2, pages);
        Assert.Equal(traces, seen.Count);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);
    }
}
