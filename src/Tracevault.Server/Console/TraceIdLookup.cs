using System.Buffers;
using Tracevault.Core.Traces;

namespace Tracevault.Server.Console;

/// <summary>Reads a trace id pasted into the console: an X-Ray id as it is, or a 32-hex W3C id in X-Ray's form, as OTLP ingest stores it.</summary>
public static class TraceIdLookup
{
    /// <summary>The length of a W3C (OpenTelemetry) trace id: 16 bytes as 32 hex digits.</summary>
    public const int W3CTraceIdLength = 32;

    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>The X-Ray form (lowercase) of <paramref name="text"/>, or null when it is neither kind of trace id.</summary>
    public static string? TryRead(string? text)
    {
        var id = (text ?? "").Trim();
        if (TraceIds.IsTraceId(id))
        {
            return id.ToLowerInvariant();
        }

        // The first 4 bytes become the X-Ray id's time field and the other 12 its random part: 1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx.
        if (id.Length == W3CTraceIdLength && !id.AsSpan().ContainsAnyExcept(Hex))
        {
            var hex = id.ToLowerInvariant();
            return string.Concat("1-", hex.AsSpan(0, 8), "-", hex.AsSpan(8));
        }

        return null;
    }
}
