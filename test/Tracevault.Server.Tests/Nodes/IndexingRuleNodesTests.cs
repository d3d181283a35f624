using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.XRay;

namespace Tracevault.Server.Tests.Nodes;

/// <summary>An indexing rule changed through one node is the rule of every node: read back there, and deciding its OTLP ingest.</summary>
public sealed class IndexingRuleNodesTests
{
    [Fact]
    public async Task PercentageSetThroughOneNode_IsReadAndIngestedByTheOther()
    {
        await using var nodes = await NodeGroup.StartAsync(2);
        var (a, b) = (nodes[0], nodes[1]);
        using var clientA = XRayApiClient.For(a);
        // Only the first node made the admin: every node serves the same identities.
        using var clientB = new XRayApiClient(b.Endpoint, a.AdminAccessKeyId, a.AdminSecret);
        using var otlpB = new SignedHttpClient(b.Endpoint, a.AdminAccessKeyId, a.AdminSecret);

        // Node B ingests at 100% first, so it holds the percentage it read.
        var before = await SendSpanAsync(otlpB);
        Assert.True(await HasSummaryAsync(clientB, before));

        await clientA.CallAsync("/UpdateIndexingRule", JsonNode.Parse("""{"Name":"Default","Rule":{"Probabilistic":{"DesiredSamplingPercentage":0}}}""")!.AsObject());
        var rules = await clientB.CallAsync("/GetIndexingRules", []);
        Assert.Equal(0, rules["IndexingRules"]![0]!["Rule"]!["Probabilistic"]!["DesiredSamplingPercentage"]!.GetValue<double>());

        // Within a second node B decides by 0%: a trace it ingests then is stored and readable, but has no summary.
        var after = await Eventually.WaitAsync("a trace ingested by node B is left out of summaries", async () =>
        {
            var id = await SendSpanAsync(otlpB);
            return (Id: id, Summarized: await HasSummaryAsync(clientB, id));
        }, sent => !sent.Summarized, TimeSpan.FromSeconds(30));
        Assert.NotEmpty(await clientA.ReadTraceAsync(after.Id));
        Assert.True(await HasSummaryAsync(clientA, before), "a trace indexed before the change keeps its summary");
    }

    /// <summary>Sends one SERVER span of a fresh trace to a node's <c>/v1/traces</c> (OTLP/HTTP JSON, signed) and returns the trace's X-Ray id.</summary>
    private static async Task<string> SendSpanAsync(SignedHttpClient client)
    {
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        var spanId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var start = (now - 1_000_000).ToString(CultureInfo.InvariantCulture);
        var end = now.ToString(CultureInfo.InvariantCulture);
        var body = $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"nodes-indexing"}}]},
             "scopeSpans":[{"spans":[{"traceId":"{{{traceId}}}","spanId":"{{{spanId}}}","name":"GET /","kind":2,
              "startTimeUnixNano":"{{{start}}}","endTimeUnixNano":"{{{end}}}"}]}]}]}
            """;
        using var response = await client.SendAsync("/v1/traces", "xray", SignedHttpClient.Json(body), "application/json", [], null, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && !text.Contains("rejectedSpans", StringComparison.Ordinal), text);
        return $"1-{traceId[..8]}-{traceId[8..]}";
    }

    private static async Task<bool> HasSummaryAsync(XRayApiClient client, string traceId)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var page = await client.GetTraceSummariesAsync(now - 300, now + 300, "service(\"nodes-indexing\")");
        return page["TraceSummaries"]!.AsArray().Any(s => s!["Id"]!.GetValue<string>() == traceId);
    }
}
