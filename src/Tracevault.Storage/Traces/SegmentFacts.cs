using System.Text.Json;
using Tracevault.Core.Traces;

namespace Tracevault.Storage.Traces;

/// <summary>The facts a <see cref="ChunkSegment"/> carries besides its document: its id, state and times.</summary>
/// <param name="Id">The segment id, in lowercase.</param>
/// <param name="InProgress">Whether the document is in progress (no end time).</param>
/// <param name="StartTime">Its start time, epoch seconds.</param>
/// <param name="EndTime">Its end time, or its start time while in progress.</param>
internal sealed record SegmentFacts(string Id, bool InProgress, double StartTime, double EndTime)
{
    /// <summary>Reads the facts back from a stored document, as ingest found them.</summary>
    /// <remarks>Stored documents were validated at ingest: an id, a numeric start time, and an end time or <c>in_progress: true</c>.</remarks>
    public static SegmentFacts Read(ReadOnlySpan<byte> document)
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

        return new SegmentFacts(id is null ? string.Empty : TraceIds.Normalize(id), end is null, start, end ?? start);
    }
}
