using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>Segment documents and X-Ray request bodies for tests.</summary>
public static class TraceDocuments
{
    /// <summary>A new trace id dated <paramref name="at"/>.</summary>
    public static string NewTraceId(DateTimeOffset at) =>
        $"1-{at.ToUnixTimeSeconds():x8}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";

    /// <summary>A complete segment document.</summary>
    public static string Segment(string traceId, DateTimeOffset at, string name = "service", string? canary = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["name"] = name,
            ["id"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            ["trace_id"] = traceId,
            ["start_time"] = at.ToUnixTimeMilliseconds() / 1000.0 - 0.25,
            ["end_time"] = at.ToUnixTimeMilliseconds() / 1000.0,
            ["annotations"] = canary is null ? null : new Dictionary<string, string> { ["canary"] = canary },
        });

    /// <summary>A PutTraceSegments body.</summary>
    public static byte[] PutTraceSegmentsBody(IEnumerable<string> documents) =>
        JsonSerializer.SerializeToUtf8Bytes(new { TraceSegmentDocuments = documents.ToArray() });

    /// <summary>A BatchGetTraces body.</summary>
    public static byte[] BatchGetTracesBody(IEnumerable<string> traceIds) =>
        JsonSerializer.SerializeToUtf8Bytes(new { TraceIds = traceIds.ToArray() });

    /// <summary>Reads a successful JSON answer.</summary>
    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Formats a number for a JSON body.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
