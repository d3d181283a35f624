using System.Text.Json;

namespace Tracevault.Core.Traces.Json;

/// <summary>Writes an <see cref="AssembledTrace"/> as the <c>Trace</c> shape of <c>BatchGetTraces</c>.</summary>
public static class TraceJsonWriter
{
    /// <summary>Writes <c>{"Id", "Duration", "LimitExceeded", "Segments": [{"Id", "Document"}]}</c>, each document as a JSON string.</summary>
    public static void Write(Utf8JsonWriter writer, AssembledTrace trace)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(trace);

        writer.WriteStartObject();
        writer.WriteString("Id", trace.Id);
        writer.WriteNumber("Duration", trace.Duration);
        writer.WriteBoolean("LimitExceeded", trace.LimitExceeded);
        writer.WriteStartArray("Segments");
        foreach (var segment in trace.Segments)
        {
            writer.WriteStartObject();
            writer.WriteString("Id", segment.Id);
            writer.WriteString("Document"u8, segment.Utf8Document.Span);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
