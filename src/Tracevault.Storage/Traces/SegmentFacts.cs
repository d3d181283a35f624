using System.Text.Json;
using Tracevault.Core.Traces;

namespace Tracevault.Storage.Traces;

/// <summary>Reads back from a stored document the facts a <see cref="ChunkSegment"/> carries, as ingest found them.</summary>
/// <remarks>Stored documents were validated at ingest: an id, a numeric start time, and an end time or <c>in_progress: true</c>.</remarks>
internal static class SegmentFacts
{
    /// <summary>The segment of trace <paramref name="traceId"/> whose stored document is <paramref name="document"/>.</summary>
    public static ChunkSegment Read(string traceId, byte[] document)
    {
        string? id = null;
        double start = 0;
        double? end = null;
        var reader = new Utf8JsonReader(document);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("start_time"u8))
            {
                reader.Read();
                start = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : 0;
            }
            else if (reader.ValueTextEquals("end_time"u8))
            {
                reader.Read();
                end = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ChunkSegment(traceId, id is null ? string.Empty : TraceIds.Normalize(id), end is null, start, end ?? start, document);
    }
}
