using System.Globalization;
using System.Text.Json.Nodes;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Builds X-Ray segment documents with fixed ids and trace ids that carry a given time.</summary>
public static class SegmentDocuments
{
    /// <summary>A trace id for <paramref name="time"/> whose random part is <paramref name="suffix"/>, zero-padded to 24 hex digits.</summary>
    public static string TraceId(long time, string suffix) =>
        "1-" + time.ToString("x8", CultureInfo.InvariantCulture) + "-" + suffix.PadLeft(24, '0');

    /// <summary>A complete segment: the mandatory fields, and whatever <paramref name="extra"/> adds.</summary>
    public static JsonObject Segment(string traceId, string id, string name, double start, double end, Action<JsonObject>? extra = null)
    {
        var segment = new JsonObject
        {
            ["trace_id"] = traceId,
            ["id"] = id,
            ["name"] = name,
            ["start_time"] = start,
            ["end_time"] = end,
        };
        extra?.Invoke(segment);
        return segment;
    }

    /// <summary>An <c>http</c> member with request and response.</summary>
    public static JsonObject HttpExchange(string method, string url, int status) => new()
    {
        ["request"] = new JsonObject { ["method"] = method, ["url"] = url },
        ["response"] = new JsonObject { ["status"] = status },
    };

    /// <summary>A remote subsegment calling <paramref name="name"/>.</summary>
    public static JsonObject RemoteCall(string id, string name, double start, double end, string url, int status) => new()
    {
        ["id"] = id,
        ["name"] = name,
        ["start_time"] = start,
        ["end_time"] = end,
        ["namespace"] = "remote",
        ["http"] = HttpExchange("GET", url, status),
    };

    /// <summary>The current time in whole epoch seconds.</summary>
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
