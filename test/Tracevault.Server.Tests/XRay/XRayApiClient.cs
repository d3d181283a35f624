using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Signed X-Ray calls for the checks the real clients cannot make (oversize or non-JSON documents) and for reading back.</summary>
public sealed class XRayApiClient(string endpoint, string accessKeyId, string secret, TimeProvider? clock = null) : IDisposable
{
    private readonly SignedHttpClient _http = new(endpoint, accessKeyId, secret);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>A client for an in-process server's admin, signing with the server's clock.</summary>
    public static XRayApiClient For(TestServer server) => new(server.Endpoint, server.AdminAccessKeyId, server.AdminSecret, server.Time);

    /// <summary>Calls PutTraceSegments, asserts HTTP 200 and returns <c>UnprocessedTraceSegments</c>.</summary>
    public async Task<JsonArray> PutTraceSegmentsAsync(IEnumerable<string> documents)
    {
        var body = new JsonObject { ["TraceSegmentDocuments"] = new JsonArray(documents.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()) };
        var response = await CallAsync("/TraceSegments", body);
        return response["UnprocessedTraceSegments"]!.AsArray();
    }

    /// <summary>Calls BatchGetTraces and returns the answer.</summary>
    public Task<JsonObject> BatchGetTracesAsync(params string[] traceIds) =>
        CallAsync("/Traces", new JsonObject { ["TraceIds"] = new JsonArray(traceIds.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray()) });

    /// <summary>The documents BatchGetTraces returns for one trace, parsed, or an empty list when the trace is unknown.</summary>
    public async Task<List<JsonObject>> ReadTraceAsync(string traceId)
    {
        var answer = await BatchGetTracesAsync(traceId);
        var trace = answer["Traces"]!.AsArray().SingleOrDefault();
        return trace is null
            ? []
            : trace["Segments"]!.AsArray().Select(s => JsonNode.Parse(s!["Document"]!.GetValue<string>())!.AsObject()).ToList();
    }

    /// <summary>Calls GetTraceSummaries and returns one page.</summary>
    public Task<JsonObject> GetTraceSummariesAsync(double start, double end, string? filter = null, string? nextToken = null)
    {
        var body = new JsonObject { ["StartTime"] = start, ["EndTime"] = end };
        if (filter is not null)
        {
            body["FilterExpression"] = filter;
        }

        if (nextToken is not null)
        {
            body["NextToken"] = nextToken;
        }

        return CallAsync("/TraceSummaries", body);
    }

    /// <summary>Sends a signed X-Ray call, asserts HTTP 200 and returns the JSON answer.</summary>
    public async Task<JsonObject> CallAsync(string path, JsonObject body)
    {
        using var response = await _http.XRayAsync(path, SignedHttpClient.Json(body.ToJsonString()), _clock.GetUtcNow());
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Waits for BatchGetTraces to return the trace with at least <paramref name="documents"/> documents and returns them; fails the test when that never happens within <paramref name="timeout"/> (default <see cref="Eventually.DefaultCeiling"/>).</summary>
    public Task<List<JsonObject>> WaitForTraceAsync(string traceId, int documents, TimeSpan? timeout = null) =>
        Eventually.WaitAsync($"trace {traceId} with {documents} documents", () => ReadTraceAsync(traceId), found => found.Count >= documents, timeout, found => $"{found.Count} documents");

    /// <summary>Reads the traces back (BatchGetTraces, five ids a call) and asserts that each holds exactly the documents sent for it, byte for byte in any order, and nothing else.</summary>
    public async Task AssertStoredAsSentAsync(IReadOnlyDictionary<string, List<string>> sentByTrace)
    {
        foreach (var batch in sentByTrace.Keys.Chunk(5))
        {
            var answer = await BatchGetTracesAsync(batch);
            Assert.Empty(answer["UnprocessedTraceIds"]!.AsArray());
            var stored = answer["Traces"]!.AsArray().ToDictionary(
                t => t!["Id"]!.GetValue<string>(),
                t => t!["Segments"]!.AsArray().Select(s => s!["Document"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToList(),
                StringComparer.Ordinal);
            Assert.Equal(batch.Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
            foreach (var traceId in batch)
            {
                Assert.Equal(sentByTrace[traceId].Order(StringComparer.Ordinal), stored[traceId]);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    /// <summary>The string value of a member, or null.</summary>
    public static string? Text(JsonNode? node, string name) => node?[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
