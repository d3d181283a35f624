using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay.Retrievals;

namespace Tracevault.Server.Tests.Nodes;

/// <summary>Trace retrievals across two nodes on one store: one node starts, another runs, either lists; a retrieval not run in an hour times out, and a token is gone after a day.</summary>
public sealed class TraceRetrievalNodesTests
{
    [Fact]
    public async Task Retrieval_StartedOnOneNode_RunByAnother_TimesOutAndExpiresByTheClock()
    {
        // Neither node runs retrievals by itself: the test runs each node's round, on a fake clock.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var a = await TestServer.StartAsync(clock, configure: options => options.Retrievals.Run = false);
        await using var b = await TestServer.StartAsync(clock, dataDirectory: a.DataDirectory, configure: options => options.Retrievals.Run = false);
        using var clientA = new SignedHttpClient(a.Endpoint, a.AdminAccessKeyId, a.AdminSecret);
        using var clientB = new SignedHttpClient(b.Endpoint, a.AdminAccessKeyId, a.AdminSecret);
        var now = clock.GetUtcNow();
        var traceId = TraceDocuments.NewTraceId(now);
        await TraceDocuments.ReadJsonAsync(await clientA.XRayAsync("/TraceSegments", TraceDocuments.PutTraceSegmentsBody([TraceDocuments.Segment(traceId, now, "node-service")]), now));

        var token = await StartAsync(clientA, traceId, clock);
        Assert.Equal("SCHEDULED", (await ListAsync(clientB, token, clock)).GetProperty("RetrievalStatus").GetString());

        await b.Server.Services.GetRequiredService<TraceRetrievalRunner>().RunScheduledAsync(CancellationToken.None);
        var listed = await ListAsync(clientA, token, clock);
        Assert.Equal("COMPLETE", listed.GetProperty("RetrievalStatus").GetString());
        Assert.Equal([traceId], listed.GetProperty("Traces").EnumerateArray().Select(t => t.GetProperty("Id").GetString()));

        // Started on B, run by no node for an hour: TIMEOUT on every node, and no round runs it after that.
        var stuck = await StartAsync(clientB, traceId, clock);
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal("SCHEDULED", (await ListAsync(clientA, stuck, clock)).GetProperty("RetrievalStatus").GetString());
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.Equal("TIMEOUT", (await ListAsync(clientA, stuck, clock)).GetProperty("RetrievalStatus").GetString());
        await a.Server.Services.GetRequiredService<TraceRetrievalRunner>().RunScheduledAsync(CancellationToken.None);
        var timedOut = await ListAsync(clientB, stuck, clock);
        Assert.Equal("TIMEOUT", timedOut.GetProperty("RetrievalStatus").GetString());
        Assert.Empty(timedOut.GetProperty("Traces").EnumerateArray());
        using (var cancel = await clientA.XRayAsync("/CancelTraceRetrieval", SignedHttpClient.Json($$"""{"RetrievalToken":"{{stuck}}"}"""), clock.GetUtcNow()))
        {
            Assert.Equal(HttpStatusCode.BadRequest, cancel.StatusCode);
        }

        // A day after it started, the token is gone: ResourceNotFoundException.
        clock.Advance(TimeSpan.FromHours(23));
        using var expired = await clientA.XRayAsync("/ListRetrievedTraces", SignedHttpClient.Json($$"""{"RetrievalToken":"{{token}}"}"""), clock.GetUtcNow());
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Equal("ResourceNotFoundException", expired.Headers.GetValues("X-Amzn-ErrorType").Single().Split(':')[0]);
    }

    private static async Task<string> StartAsync(SignedHttpClient client, string traceId, FakeTimeProvider clock)
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var body = SignedHttpClient.Json($$"""{"TraceIds":["{{traceId}}"],"StartTime":{{now - 60}},"EndTime":{{now + 60}}}""");
        using var response = await client.XRayAsync("/StartTraceRetrieval", body, clock.GetUtcNow());
        return (await TraceDocuments.ReadJsonAsync(response)).GetProperty("RetrievalToken").GetString()!;
    }

    private static async Task<JsonElement> ListAsync(SignedHttpClient client, string token, FakeTimeProvider clock)
    {
        using var response = await client.XRayAsync("/ListRetrievedTraces", SignedHttpClient.Json($$"""{"RetrievalToken":"{{token}}"}"""), clock.GetUtcNow());
        return await TraceDocuments.ReadJsonAsync(response);
    }
}
