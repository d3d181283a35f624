using System.Globalization;
using System.Text.Json;

namespace Tracevault.Core.Indexing;

/// <summary>
/// Which OpenTelemetry traces get trace summaries: decided from the trace id alone, so every span of a trace, on every node,
/// decides alike; and the mark a span stored without one carries.
/// </summary>
/// <remarks>
/// The decision reads the trace id's low 56 bits (the last 14 hex digits: the random part of a W3C trace id, as OpenTelemetry's
/// consistent probability sampling reads it) as a number r and indexes the trace when r &lt; percentage / 100 × 2^56. So 0%
/// indexes none, 100% every one, and a trace indexed at a percentage is indexed at every higher one. A span of a trace not
/// indexed is stored whole with <c>"indexed": false</c> in its <c>metadata.otel</c> (the namespace Tracevault reserves for what
/// OpenTelemetry spans carry); a trace gets a summary when any of its segments lacks that mark. Pure and thread-safe.
/// </remarks>
public static class TraceIndexing
{
    /// <summary>The metadata namespace the mark is in.</summary>
    public const string MetadataNamespace = "otel";

    /// <summary>The member of <c>metadata.otel</c> that is <c>false</c> in a span of a trace not indexed.</summary>
    public const string IndexedMember = "indexed";

    private const int RandomHexDigits = 14;
    private const double RandomRange = 72057594037927936.0; // 2^56

    /// <summary>Whether the trace <paramref name="traceId"/> (X-Ray's form, <c>1-xxxxxxxx-…</c>) is indexed at <paramref name="percentage"/>.</summary>
    public static bool IsIndexed(string traceId, double percentage)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        if (percentage >= 100)
        {
            return true;
        }

        if (!(percentage > 0) || traceId.Length < RandomHexDigits
            || !ulong.TryParse(traceId.AsSpan(traceId.Length - RandomHexDigits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var random))
        {
            return false;
        }

        return random < Threshold(percentage);
    }

    /// <summary>Whether the trace of the 16 bytes <paramref name="traceId"/> (an OpenTelemetry trace id) is indexed at <paramref name="percentage"/>; as the X-Ray form of the same id is.</summary>
    public static bool IsIndexed(ReadOnlySpan<byte> traceId, double percentage)
    {
        if (percentage >= 100)
        {
            return true;
        }

        if (!(percentage > 0) || traceId.Length < RandomHexDigits / 2)
        {
            return false;
        }

        ulong random = 0;
        foreach (var b in traceId[^(RandomHexDigits / 2)..])
        {
            random = (random << 8) | b;
        }

        return random < Threshold(percentage);
    }

    private static ulong Threshold(double percentage) => (ulong)(percentage / 100 * RandomRange);

    /// <summary>Whether a stored segment document carries the mark of a span whose trace was not indexed.</summary>
    public static bool IsMarkedUnindexed(ReadOnlySpan<byte> document)
    {
        // Nearly every document lacks the bytes altogether: only those that have them are read.
        if (document.IndexOf("\"indexed\":false"u8) < 0)
        {
            return false;
        }

        try
        {
            using var parsed = JsonDocument.Parse(document.ToArray());
            return parsed.RootElement.ValueKind == JsonValueKind.Object
                && parsed.RootElement.TryGetProperty("metadata"u8, out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty(MetadataNamespace, out var otel) && otel.ValueKind == JsonValueKind.Object
                && otel.TryGetProperty(IndexedMember, out var indexed) && indexed.ValueKind == JsonValueKind.False;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
