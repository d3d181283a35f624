using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Console;
using Tracevault.Server.Tests.Infrastructure;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>What SDKs send that is not one whole segment: subsegments streamed on their own, over HTTP and UDP, and subsegments whose parent never arrives.</summary>
public sealed class XRayFidelityTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private XRayApiClient _xray = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _xray = XRayApiClient.For(_server);
    }

    public async Task DisposeAsync()
    {
        _xray.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>"checkout" holds "work" (holding "step", holding "detail") and "cache".</summary>
    private static JsonObject Whole(string trace, double now) => Segment(trace, "f100000000000001", "checkout", now, now + 1, s =>
    {
        s["http"] = HttpExchange("POST", "https://shop.example/checkout", 200);
        s["subsegments"] = new JsonArray
        {
            new JsonObject
            {
                ["name"] = "work", ["id"] = "f100000000000002", ["start_time"] = now + 0.1, ["end_time"] = now + 0.8,
                ["subsegments"] = new JsonArray
                {
                    new JsonObject
                    {
                        ["name"] = "step", ["id"] = "f100000000000003", ["start_time"] = now + 0.2, ["end_time"] = now + 0.7,
                        ["subsegments"] = new JsonArray
                        {
                            new JsonObject { ["name"] = "detail", ["id"] = "f100000000000004", ["start_time"] = now + 0.3, ["end_time"] = now + 0.4, ["annotations"] = new JsonObject { ["deep"] = true } },
                        },
                    },
                },
            },
            new JsonObject { ["name"] = "cache", ["id"] = "f100000000000005", ["start_time"] = now + 0.85, ["end_time"] = now + 0.9, ["metadata"] = new JsonObject { ["default"] = new JsonObject { ["hit"] = false } } },
        };
    });

    private static JsonObject Streamed(JsonObject subsegment, string trace, string parentId)
    {
        subsegment = subsegment.DeepClone().AsObject();
        subsegment.Remove("subsegments");
        subsegment["type"] = "subsegment";
        subsegment["trace_id"] = trace;
        subsegment["parent_id"] = parentId;
        return subsegment;
    }

    [Fact]
    public async Task StreamedSubsegmentsOverHttpAndUdp_BatchGetTracesReturnsOneDocumentEqualToTheTraceSentWhole()
    {
        var now = Now();
        var wholeTrace = TraceId(now, "f10000000000000000000001");
        var streamedTrace = TraceId(now, "f10000000000000000000002");
        Assert.Empty(await _xray.PutTraceSegmentsAsync([Whole(wholeTrace, now).ToJsonString()]));

        // The streamed version: "work" stays in the segment without its children; "step" (a subsegment of "work") and "detail"
        // (of "step") come on their own, "cache" first in progress over UDP and then completed, "detail" twice.
        var whole = Whole(streamedTrace, now);
        var work = whole["subsegments"]![0]!.AsObject();
        var step = work["subsegments"]![0]!.AsObject();
        var detail = step["subsegments"]![0]!.AsObject();
        var cache = whole["subsegments"]![1]!.AsObject();
        var segment = whole.DeepClone().AsObject();
        var workAlone = work.DeepClone().AsObject();
        workAlone.Remove("subsegments");
        segment["subsegments"] = new JsonArray(workAlone);
        var cacheInProgress = Streamed(cache, streamedTrace, "f100000000000001");
        cacheInProgress.Remove("end_time");
        cacheInProgress.Remove("metadata");
        cacheInProgress["in_progress"] = true;

        using (var udp = new UdpClient())
        {
            foreach (var document in new[] { Streamed(detail, streamedTrace, "f100000000000003"), cacheInProgress, Streamed(step, streamedTrace, "f100000000000002") })
            {
                await udp.SendAsync(Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + document.ToJsonString()), _server.Server.Endpoint);
            }
        }

        Assert.Empty(await _xray.PutTraceSegmentsAsync([segment.ToJsonString(), Streamed(detail, streamedTrace, "f100000000000003").ToJsonString()]));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((await _xray.ReadTraceAsync(streamedTrace)).SelectMany(Descendants).Count() < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Empty(await _xray.PutTraceSegmentsAsync([Streamed(cache, streamedTrace, "f100000000000001").ToJsonString()]));

        var expected = Assert.Single(await _xray.ReadTraceAsync(wholeTrace));
        var actual = Assert.Single(await _xray.ReadTraceAsync(streamedTrace));
        actual["trace_id"] = wholeTrace;
        Assert.True(JsonNode.DeepEquals(expected, actual), $"want {expected.ToJsonString()}\ngot  {actual.ToJsonString()}");
        var complete = (await _xray.GetTraceSummariesAsync(now - 5, now + 60, "annotation.deep = true AND NOT partial"))["TraceSummaries"]!.AsArray();
        Assert.Equal([wholeTrace, streamedTrace], complete.Select(s => XRayApiClient.Text(s, "Id")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task OrphanSubsegment_SummaryFilterGraphAndConsoleAgreeOnItsInferredService()
    {
        var now = Now();
        var trace = TraceId(now, "f20000000000000000000001");
        var orphan = RemoteCall("f200000000000002", "inventory.example", now, now + 0.4, "https://inventory.example/items", 429);
        orphan["type"] = "subsegment";
        orphan["trace_id"] = trace;
        orphan["parent_id"] = "f200000000000001";
        Assert.Empty(await _xray.PutTraceSegmentsAsync([orphan.ToJsonString()]));

        foreach (var filter in new[] { "service(\"inventory.example\")", "service(\"inventory.example\") { throttle }", "throttle AND partial", "inferred" })
        {
            var found = (await _xray.GetTraceSummariesAsync(now - 5, now + 60, filter))["TraceSummaries"]!.AsArray();
            var summary = Assert.Single(found);
            Assert.Equal(trace, XRayApiClient.Text(summary, "Id"));
            Assert.True(summary!["IsPartial"]!.GetValue<bool>(), filter);
            Assert.Equal("inventory.example", XRayApiClient.Text(Assert.Single(summary["ServiceIds"]!.AsArray()), "Name"));
        }

        var graph = await _xray.CallAsync("/TraceGraph", new JsonObject { ["TraceIds"] = new JsonArray(trace) });
        var node = Assert.Single(graph["Services"]!.AsArray())!;
        Assert.Equal(("inventory.example", "remote"), (XRayApiClient.Text(node, "Name"), XRayApiClient.Text(node, "Type")));
        Assert.Equal(1, node["SummaryStatistics"]!["ErrorStatistics"]!["ThrottleCount"]!.GetValue<int>());

        var documents = await _xray.ReadTraceAsync(trace);
        Assert.Equal(["f200000000000002", "f200000000000002"], documents.Select(d => XRayApiClient.Text(d, d["inferred"] is null ? "id" : "parent_id")));

        using var console = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await console.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        var page = await console.GetAsync($"/console/traces/{trace}");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("id=\"orphans\"", html, StringComparison.Ordinal);
        Assert.Contains("inventory.example (remote)", html, StringComparison.Ordinal);
        Assert.Contains("badge partial", html, StringComparison.Ordinal);
        var map = await (await console.GetAsync("/console/map?range=6h")).Content.ReadAsStringAsync();
        Assert.Contains("data-service=\"inventory.example\"", map, StringComparison.Ordinal);
        var list = await (await console.GetAsync("/console/traces?range=6h&filter=" + Uri.EscapeDataString("service(\"inventory.example\")"))).Content.ReadAsStringAsync();
        Assert.Contains(trace, list, StringComparison.Ordinal);
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode entity) =>
        (entity["subsegments"]?.AsArray() ?? []).SelectMany(s => new[] { s! }.Concat(Descendants(s!)));
}
