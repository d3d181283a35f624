using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Ingest over HTTP and UDP: validation as X-Ray does it, replacement of in-progress segments, independent subsegments.</summary>
public sealed class XRayIngestTests : IAsyncLifetime
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

    [Fact]
    public async Task PutTraceSegments_EachKindOfBadSegment_GetsItsOwnErrorCodeWhileGoodOnesAreStored()
    {
        var now = Now();
        var good = TraceId(now, "900000000000000000000001");
        var bad = TraceId(now, "900000000000000000000002");
        var tooOld = TraceId(now - (long)TimeSpan.FromDays(31).TotalSeconds, "900000000000000000000003");
        var counters = _server.Server.Services.GetRequiredService<IngestCounters>();
        var rejectedBefore = counters.Rejected;

        string Without(string member, string id) { var s = Segment(bad, id, "svc", now, now + 1); s.Remove(member); return s.ToJsonString(); }
        var documents = new List<string>
        {
            Segment(good, "9000000000000001", "good", now, now + 1).ToJsonString(),
            Without("id", "9000000000000010"),
            Segment(bad, "zzzzzzzzzzzzzzzz", "svc", now, now + 1).ToJsonString(),
            Segment("1-5759e988-bd862e3fe1be46a99427279", "9000000000000012", "svc", now, now + 1).ToJsonString(),
            Segment(tooOld, "9000000000000013", "svc", now, now + 1).ToJsonString(),
            Without("name", "9000000000000014"),
            Without("start_time", "9000000000000015"),
            Without("end_time", "9000000000000016"),
            new JsonObject { ["type"] = "subsegment", ["trace_id"] = bad, ["id"] = "9000000000000017", ["name"] = "sub", ["start_time"] = now, ["end_time"] = now + 1 }.ToJsonString(),
            Segment(bad, "9000000000000018", "svc", now, now + 1, s => s["metadata"] = new JsonObject { ["blob"] = new string('x', 70 * 1024) }).ToJsonString(),
            "{\"trace_id\": \"" + bad + "\", \"id\": \"9000000000000019\", this is not JSON",
            new JsonObject { ["type"] = "subsegment", ["trace_id"] = good, ["parent_id"] = "9000000000000001", ["id"] = "9000000000000002", ["name"] = "good-sub", ["start_time"] = now, ["end_time"] = now + 0.5 }.ToJsonString(),
        };

        var unprocessed = await _xray.PutTraceSegmentsAsync(documents);

        var codes = unprocessed.Select(u => (Id: XRayApiClient.Text(u, "Id"), Code: XRayApiClient.Text(u, "ErrorCode")!, Message: XRayApiClient.Text(u, "Message")!)).ToList();
        Assert.Equal(10, codes.Count);
        Assert.All(codes, c => Assert.Contains(c.Code, c.Message, StringComparison.Ordinal));
        Assert.Contains(codes, c => c.Id is null && c.Code == "MissingId");
        Assert.Contains(codes, c => c.Id == "zzzzzzzzzzzzzzzz" && c.Code == "InvalidId");
        Assert.Contains(codes, c => c.Id == "9000000000000012" && c.Code == "InvalidTraceId" && c.Message.Contains("1-<8 hex digits>", StringComparison.Ordinal));
        Assert.Contains(codes, c => c.Id == "9000000000000013" && c.Code == "InvalidTraceId" && c.Message.Contains("in the past", StringComparison.Ordinal));
        Assert.Contains(codes, c => c.Id == "9000000000000014" && c.Code == "MissingName");
        Assert.Contains(codes, c => c.Id == "9000000000000015" && c.Code == "MissingStartTime");
        Assert.Contains(codes, c => c.Id == "9000000000000016" && c.Code == "MissingEndTime");
        Assert.Contains(codes, c => c.Id == "9000000000000017" && c.Code == "InvalidSubsegment");
        Assert.Contains(codes, c => c.Id == "9000000000000018" && c.Code == "SegmentTooLarge");
        Assert.Contains(codes, c => c.Code == "InvalidJson");
        Assert.Equal(rejectedBefore + 10, counters.Rejected);

        var stored = Assert.Single(await _xray.ReadTraceAsync(good));
        Assert.Equal("9000000000000001", XRayApiClient.Text(stored, "id"));
        Assert.Equal("9000000000000002", XRayApiClient.Text(Assert.Single(stored["subsegments"]!.AsArray()), "id"));
        var badTrace = await _xray.BatchGetTracesAsync(bad, tooOld);
        Assert.Empty(badTrace["Traces"]!.AsArray());
        Assert.Equal([bad, tooOld], badTrace["UnprocessedTraceIds"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task PutTraceSegments_InProgressThenCompleted_BatchGetTracesReturnsTheCompletedVersion()
    {
        var now = Now();
        var trace = TraceId(now, "910000000000000000000001");
        var inProgress = Segment(trace, "9100000000000001", "checkout", now, 0, s =>
        {
            s.Remove("end_time");
            s["in_progress"] = true;
        });
        Assert.Empty(await _xray.PutTraceSegmentsAsync([inProgress.ToJsonString()]));

        var partial = await _xray.GetTraceSummariesAsync(now - 5, now + 60, "partial");
        Assert.Equal(trace, XRayApiClient.Text(Assert.Single(partial["TraceSummaries"]!.AsArray()), "Id"));

        var completed = Segment(trace, "9100000000000001", "checkout", now, now + 2.5, s => s["annotations"] = new JsonObject { ["step"] = "done" });
        Assert.Empty(await _xray.PutTraceSegmentsAsync([completed.ToJsonString()]));

        var document = Assert.Single(await _xray.ReadTraceAsync(trace));
        Assert.Equal(now + 2.5, document["end_time"]!.GetValue<double>());
        Assert.Null(document["in_progress"]);
        Assert.Equal("done", document["annotations"]!["step"]!.GetValue<string>());
        var summary = Assert.Single((await _xray.GetTraceSummariesAsync(now - 5, now + 60, "annotation.step = \"done\""))["TraceSummaries"]!.AsArray());
        Assert.False(summary!["IsPartial"]!.GetValue<bool>());
        Assert.Equal(2.5, summary["ResponseTime"]!.GetValue<double>());
        Assert.Empty((await _xray.GetTraceSummariesAsync(now - 5, now + 60, "partial"))["TraceSummaries"]!.AsArray());
    }

    [Fact]
    public async Task PutTraceSegments_IndependentSubsegment_JoinsItsParent()
    {
        var now = Now();
        var trace = TraceId(now, "920000000000000000000001");
        var parent = Segment(trace, "9200000000000001", "frontend", now, now + 1, s => s["http"] = HttpExchange("GET", "http://shop.example/cart", 200));
        var subsegment = RemoteCall("9200000000000002", "payments.example", now + 0.1, now + 0.6, "https://payments.example/charge", 503);
        subsegment["type"] = "subsegment";
        subsegment["trace_id"] = trace;
        subsegment["parent_id"] = "9200000000000001";
        subsegment["annotations"] = new JsonObject { ["joined"] = true };

        // The subsegment first: it joins whatever arrives later.
        Assert.Empty(await _xray.PutTraceSegmentsAsync([subsegment.ToJsonString()]));
        Assert.Empty(await _xray.PutTraceSegmentsAsync([parent.ToJsonString()]));

        // One document for the segment, the subsegment in it as if sent whole; then the segment inferred for the call.
        var documents = await _xray.ReadTraceAsync(trace);
        Assert.Equal(["9200000000000001", null], documents.Select(d => d["inferred"] is null ? XRayApiClient.Text(d, "id") : null));
        var joined = Assert.Single(documents[0]["subsegments"]!.AsArray())!;
        Assert.Equal("9200000000000002", XRayApiClient.Text(joined, "id"));
        Assert.Null(joined["type"]);
        Assert.Null(joined["parent_id"]);
        Assert.True(joined["annotations"]!["joined"]!.GetValue<bool>());

        // Joined, the subsegment's call is an edge of the parent's service, and its annotation belongs to the trace.
        var graph = await _xray.CallAsync("/TraceGraph", new JsonObject { ["TraceIds"] = new JsonArray(trace) });
        var services = graph["Services"]!.AsArray();
        var frontend = services.Single(s => XRayApiClient.Text(s, "Name") == "frontend");
        var payments = services.Single(s => XRayApiClient.Text(s, "Name") == "payments.example");
        var edge = Assert.Single(frontend!["Edges"]!.AsArray());
        Assert.Equal(payments!["ReferenceId"]!.GetValue<int>(), edge!["ReferenceId"]!.GetValue<int>());
        var matched = await _xray.GetTraceSummariesAsync(now - 5, now + 60, """annotation.joined = true AND edge("frontend", "payments.example") { fault }""");
        Assert.Equal(trace, XRayApiClient.Text(Assert.Single(matched["TraceSummaries"]!.AsArray()), "Id"));
    }

    [Fact]
    public async Task UdpDatagrams_DaemonHeaderInAnySpelling_AreStoredAndBadHeadersAreDroppedAndCounted()
    {
        var now = Now();
        var counters = _server.Server.Services.GetRequiredService<IngestCounters>();
        var (receivedBefore, malformedBefore) = (counters.UdpReceived, counters.DroppedMalformed);
        string Document(string suffix, string id) => Segment(TraceId(now, suffix), id, "udp-service", now, now + 0.25).ToJsonString();
        var badHeaders = new[]
        {
            """{"format":"json","version":2}""" + "\n" + Document("930000000000000000000003", "9300000000000003"),
            """{"format":"xml","version":1}""" + "\n" + Document("930000000000000000000004", "9300000000000004"),
            Document("930000000000000000000005", "9300000000000005"),
            """["json",1]""" + "\n" + Document("930000000000000000000006", "9300000000000006"),
        };
        var goodHeaders = new[]
        {
            """{"format": "json", "version": 1}""" + "\n" + Document("930000000000000000000001", "9300000000000001"),
            """{"version":1,"format":"JSON"}""" + "\n" + Document("930000000000000000000002", "9300000000000002"),
        };

        using var udp = new UdpClient();
        foreach (var datagram in badHeaders.Concat(goodHeaders))
        {
            await udp.SendAsync(Encoding.UTF8.GetBytes(datagram), _server.Server.Endpoint);
        }

        var first = await _xray.WaitForTraceAsync(TraceId(now, "930000000000000000000001"), 1);
        var second = await _xray.WaitForTraceAsync(TraceId(now, "930000000000000000000002"), 1);
        Assert.Equal("9300000000000001", XRayApiClient.Text(Assert.Single(first), "id"));
        Assert.Equal("9300000000000002", XRayApiClient.Text(Assert.Single(second), "id"));

        // One socket, one receive loop: by the time the later good datagrams are stored, the bad ones were handled.
        Assert.Equal(receivedBefore + 6, counters.UdpReceived);
        Assert.Equal(malformedBefore + 4, counters.DroppedMalformed);
        var dropped = await _xray.BatchGetTracesAsync(badHeaders.Select((_, i) => TraceId(now, "93000000000000000000000" + (i + 3))).ToArray());
        Assert.Empty(dropped["Traces"]!.AsArray());
    }
}
