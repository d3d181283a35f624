using System.Globalization;
using System.Text.Json;
using Tracevault.Core.Traces;

namespace Tracevault.Server.XRay.Retrievals;

/// <summary>
/// Gives a trace's stored documents back as OpenTelemetry spans, in the structured form Transaction Search keeps spans in
/// (<c>aws/spans</c>): a span sent over OTLP as it was sent (from what the ingest kept in <c>metadata.otel</c> and
/// <c>metadata.default</c>), and an X-Ray segment, with each of its subsegments, mapped to spans.
/// </summary>
/// <remarks>
/// The X-Ray mapping: a segment is a SERVER span, a subsegment of namespace <c>remote</c> or <c>aws</c> a CLIENT span, any other an
/// INTERNAL one; the span id is the entity's id and its parent the enclosing entity (or <c>parent_id</c>); times become
/// nanoseconds; <c>resource.attributes["service.name"]</c> is the segment's name; <c>http</c>, <c>sql</c>, <c>aws</c>, <c>user</c>
/// and annotations become semantic-convention attributes; a fault is status ERROR; each exception of <c>cause</c> an
/// <c>exception</c> event. Metadata and other fields have no place in a span and are left out.
/// </remarks>
public static class OtelSpanDocuments
{
    private const string ResourcePrefix = "otel.resource.";

    /// <summary>The spans of a trace's stored documents (each as sent, independent subsegments on their own): span id and JSON document.</summary>
    public static List<(string Id, string Document)> Write(IReadOnlyList<TraceSegment> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var parsed = documents.Select(d => JsonDocument.Parse(d.Utf8Document)).ToList();
        try
        {
            var byId = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var document in parsed)
            {
                if (Text(document.RootElement, "id") is { } id)
                {
                    byId.TryAdd(id, document.RootElement);
                }
            }

            var spans = new List<(string, string)>();
            foreach (var document in parsed)
            {
                var root = document.RootElement;
                var segment = EnclosingSegment(root, byId);
                if (Otel(root) is { } otel)
                {
                    spans.Add((Text(root, "id") ?? "", Json(writer => WriteSentSpan(writer, root, otel, segment))));
                }
                else
                {
                    var service = segment is { } top ? Text(top, "name") : null;
                    WriteMapped(spans, root, Text(root, "parent_id"), service, IsSegment(root), Text(root, "trace_id") ?? "");
                }
            }

            return spans;
        }
        finally
        {
            foreach (var document in parsed)
            {
                document.Dispose();
            }
        }
    }

    /// <summary>An X-Ray trace id (<c>1-xxxxxxxx-yyyy…</c>) as OpenTelemetry's 32 hex digits; any other id as it is.</summary>
    public static string OtelTraceId(string traceId) =>
        traceId.Length == 35 && traceId.StartsWith("1-", StringComparison.Ordinal) && traceId[10] == '-' ? string.Concat(traceId.AsSpan(2, 8), traceId.AsSpan(11)) : traceId;

    private static void WriteSentSpan(Utf8JsonWriter writer, JsonElement root, JsonElement otel, JsonElement? segment)
    {
        var attributes = root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("default", out var values) && values.ValueKind == JsonValueKind.Object ? values : default;
        writer.WriteStartObject();
        writer.WriteStartObject("resource");
        writer.WriteStartObject("attributes");
        if (ResourceOf(segment ?? root) is { } resource)
        {
            foreach (var property in resource.EnumerateObject().Where(p => p.Name.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
            {
                writer.WritePropertyName(property.Name[ResourcePrefix.Length..]);
                property.Value.WriteTo(writer);
            }
        }
        else if (Text(otel, "service_name") is { } serviceName)
        {
            writer.WriteString("service.name", serviceName);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        if (otel.TryGetProperty("scope", out var scope) && scope.ValueKind == JsonValueKind.Object)
        {
            writer.WritePropertyName("scope");
            scope.WriteTo(writer);
        }

        writer.WriteString("traceId", OtelTraceId(Text(root, "trace_id") ?? ""));
        writer.WriteString("spanId", Text(root, "id"));
        if (Text(root, "parent_id") is { } parent)
        {
            writer.WriteString("parentSpanId", parent);
        }

        if (otel.TryGetProperty("flags", out var flags) && flags.ValueKind == JsonValueKind.Number)
        {
            writer.WriteNumber("flags", flags.GetUInt32());
        }

        if (Text(otel, "trace_state") is { } traceState)
        {
            writer.WriteString("traceState", traceState);
        }

        writer.WriteString("name", Text(otel, "name") ?? Text(root, "name"));
        writer.WriteString("kind", KindName(otel.TryGetProperty("kind", out var kind) && kind.TryGetInt32(out var k) ? k : 0));
        var start = Nanos(otel, "start_time_unix_nano");
        var end = Nanos(otel, "end_time_unix_nano");
        writer.WriteNumber("startTimeUnixNano", start);
        writer.WriteNumber("endTimeUnixNano", end);
        writer.WriteNumber("durationNano", end >= start ? end - start : 0);
        writer.WriteStartObject("attributes");
        if (attributes.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in attributes.EnumerateObject().Where(p => !p.Name.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
        writer.WriteStartObject("status");
        var code = otel.TryGetProperty("status", out var status) && status.TryGetProperty("code", out var codeElement) && codeElement.TryGetInt32(out var c) ? c : 0;
        writer.WriteString("code", code switch { 1 => "OK", 2 => "ERROR", _ => "UNSET" });
        if (otel.TryGetProperty("status", out status) && Text(status, "message") is { } message)
        {
            writer.WriteString("message", message);
        }

        writer.WriteEndObject();
        WriteSentEvents(writer, otel);
        WriteSentLinks(writer, root, otel);
        WriteCount(writer, otel, "dropped_attributes_count", "droppedAttributesCount");
        WriteCount(writer, otel, "dropped_events_count", "droppedEventsCount");
        WriteCount(writer, otel, "dropped_links_count", "droppedLinksCount");
        writer.WriteEndObject();
    }

    private static void WriteSentEvents(Utf8JsonWriter writer, JsonElement otel)
    {
        writer.WriteStartArray("events");
        if (otel.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array)
        {
            foreach (var spanEvent in events.EnumerateArray())
            {
                writer.WriteStartObject();
                writer.WriteNumber("timeUnixNano", Nanos(spanEvent, "time_unix_nano"));
                writer.WriteString("name", Text(spanEvent, "name"));
                writer.WriteStartObject("attributes");
                if (spanEvent.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in attributes.EnumerateObject())
                    {
                        property.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
                WriteCount(writer, spanEvent, "dropped_attributes_count", "droppedAttributesCount");
                writer.WriteEndObject();
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteSentLinks(Utf8JsonWriter writer, JsonElement root, JsonElement otel)
    {
        writer.WriteStartArray("links");
        if (root.TryGetProperty("links", out var links) && links.ValueKind == JsonValueKind.Array)
        {
            var extras = otel.TryGetProperty("links", out var kept) && kept.ValueKind == JsonValueKind.Array ? kept.EnumerateArray().ToList() : [];
            var index = 0;
            foreach (var link in links.EnumerateArray())
            {
                writer.WriteStartObject();
                writer.WriteString("traceId", OtelTraceId(Text(link, "trace_id") ?? ""));
                writer.WriteString("spanId", Text(link, "id"));
                var extra = index < extras.Count ? extras[index] : default;
                if (extra.ValueKind == JsonValueKind.Object && Text(extra, "trace_state") is { Length: > 0 } traceState)
                {
                    writer.WriteString("traceState", traceState);
                }

                if (extra.ValueKind == JsonValueKind.Object && extra.TryGetProperty("flags", out var flags) && flags.TryGetUInt32(out var f) && f != 0)
                {
                    writer.WriteNumber("flags", f);
                }

                writer.WriteStartObject("attributes");
                if (link.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
                {
                    foreach (var property in attributes.EnumerateObject())
                    {
                        property.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
                if (extra.ValueKind == JsonValueKind.Object)
                {
                    WriteCount(writer, extra, "dropped_attributes_count", "droppedAttributesCount");
                }

                writer.WriteEndObject();
                index++;
            }
        }

        writer.WriteEndArray();
    }

    private static void WriteMapped(List<(string, string)> spans, JsonElement entity, string? parentId, string? service, bool isSegment, string traceId)
    {
        var id = Text(entity, "id") ?? "";
        spans.Add((id, Json(writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("resource");
            writer.WriteStartObject("attributes");
            if ((service ?? (isSegment ? Text(entity, "name") : null)) is { } serviceName)
            {
                writer.WriteString("service.name", serviceName);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteString("traceId", OtelTraceId(traceId));
            writer.WriteString("spanId", id);
            if (parentId is not null)
            {
                writer.WriteString("parentSpanId", parentId);
            }

            writer.WriteString("name", Text(entity, "name"));
            var ns = Text(entity, "namespace");
            writer.WriteString("kind", isSegment ? "SERVER" : ns is "remote" or "aws" ? "CLIENT" : "INTERNAL");
            var start = Seconds(entity, "start_time");
            var end = OptionalSeconds(entity, "end_time");
            // A double of epoch seconds holds microseconds, not nanoseconds: times are given to the microsecond.
            var startNanos = (long)Math.Round(start * 1e6) * 1000;
            var endNanos = end is { } e ? (long)Math.Round(e * 1e6) * 1000 : 0;
            writer.WriteNumber("startTimeUnixNano", startNanos);
            writer.WriteNumber("endTimeUnixNano", endNanos);
            writer.WriteNumber("durationNano", endNanos >= startNanos ? endNanos - startNanos : 0);
            writer.WriteStartObject("attributes");
            WriteMappedAttributes(writer, entity);
            writer.WriteEndObject();
            writer.WriteStartObject("status");
            writer.WriteString("code", entity.TryGetProperty("fault", out var fault) && fault.ValueKind == JsonValueKind.True ? "ERROR" : "UNSET");
            writer.WriteEndObject();
            writer.WriteStartArray("events");
            if (entity.TryGetProperty("cause", out var cause) && cause.ValueKind == JsonValueKind.Object
                && cause.TryGetProperty("exceptions", out var exceptions) && exceptions.ValueKind == JsonValueKind.Array)
            {
                foreach (var exception in exceptions.EnumerateArray())
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("timeUnixNano", endNanos > 0 ? endNanos : startNanos);
                    writer.WriteString("name", "exception");
                    writer.WriteStartObject("attributes");
                    WriteIfPresent(writer, "exception.type", Text(exception, "type"));
                    WriteIfPresent(writer, "exception.message", Text(exception, "message"));
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }
            }

            writer.WriteEndArray();
            writer.WriteStartArray("links");
            writer.WriteEndArray();
            writer.WriteEndObject();
        })));

        if (entity.TryGetProperty("subsegments", out var subsegments) && subsegments.ValueKind == JsonValueKind.Array)
        {
            foreach (var subsegment in subsegments.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object))
            {
                WriteMapped(spans, subsegment, id, service ?? (isSegment ? Text(entity, "name") : null), false, traceId);
            }
        }
    }

    private static void WriteMappedAttributes(Utf8JsonWriter writer, JsonElement entity)
    {
        if (entity.TryGetProperty("http", out var http) && http.ValueKind == JsonValueKind.Object)
        {
            if (http.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.Object)
            {
                WriteIfPresent(writer, "http.request.method", Text(request, "method"));
                WriteIfPresent(writer, "url.full", Text(request, "url"));
                WriteIfPresent(writer, "client.address", Text(request, "client_ip"));
                WriteIfPresent(writer, "user_agent.original", Text(request, "user_agent"));
            }

            if (http.TryGetProperty("response", out var response) && response.ValueKind == JsonValueKind.Object)
            {
                CopyNumber(writer, response, "status", "http.response.status_code");
                CopyNumber(writer, response, "content_length", "http.response.body.size");
            }
        }

        if (entity.TryGetProperty("sql", out var sql) && sql.ValueKind == JsonValueKind.Object)
        {
            WriteIfPresent(writer, "db.system", Text(sql, "database_type"));
            WriteIfPresent(writer, "db.query.text", Text(sql, "sanitized_query"));
            WriteIfPresent(writer, "db.user", Text(sql, "user"));
            WriteIfPresent(writer, "db.connection_string", Text(sql, "url"));
        }

        if (entity.TryGetProperty("aws", out var aws) && aws.ValueKind == JsonValueKind.Object)
        {
            WriteIfPresent(writer, "aws.operation", Text(aws, "operation"));
            WriteIfPresent(writer, "aws.region", Text(aws, "region"));
            WriteIfPresent(writer, "aws.request_id", Text(aws, "request_id"));
            WriteIfPresent(writer, "aws.table_name", Text(aws, "table_name"));
            WriteIfPresent(writer, "aws.queue_url", Text(aws, "queue_url"));
        }

        WriteIfPresent(writer, "enduser.id", Text(entity, "user"));
        if (entity.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Object)
        {
            foreach (var annotation in annotations.EnumerateObject())
            {
                annotation.WriteTo(writer);
            }
        }
    }

    /// <summary>The segment a document belongs to: itself when it is one, else the segment its <c>parent_id</c> chain reaches in the trace.</summary>
    private static JsonElement? EnclosingSegment(JsonElement root, Dictionary<string, JsonElement> byId)
    {
        var current = root;
        for (var depth = 0; depth < 64; depth++)
        {
            if (IsSegment(current))
            {
                return current;
            }

            if (Text(current, "parent_id") is not { } parent || !byId.TryGetValue(parent, out current))
            {
                return null;
            }
        }

        return null;
    }

    private static JsonElement? ResourceOf(JsonElement segment) =>
        segment.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("default", out var values) && values.ValueKind == JsonValueKind.Object
        && values.EnumerateObject().Any(p => p.Name.StartsWith(ResourcePrefix, StringComparison.Ordinal)) ? values : null;

    private static JsonElement? Otel(JsonElement root) =>
        root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("otel", out var otel) && otel.ValueKind == JsonValueKind.Object && otel.TryGetProperty("start_time_unix_nano", out _) ? otel : null;

    private static bool IsSegment(JsonElement element) => Text(element, "type") != "subsegment";

    private static string KindName(int kind) => kind switch
    {
        1 => "INTERNAL",
        2 => "SERVER",
        3 => "CLIENT",
        4 => "PRODUCER",
        5 => "CONSUMER",
        _ => "UNSPECIFIED",
    };

    private static ulong Nanos(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var nanos) ? nanos : 0;

    private static double Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetDouble(out var seconds) ? seconds : 0;

    private static double? OptionalSeconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetDouble(out var seconds) ? seconds : null;

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void CopyNumber(Utf8JsonWriter writer, JsonElement element, string from, string to)
    {
        if (element.TryGetProperty(from, out var value) && value.ValueKind == JsonValueKind.Number)
        {
            writer.WritePropertyName(to);
            value.WriteTo(writer);
        }
    }

    private static void WriteCount(Utf8JsonWriter writer, JsonElement element, string from, string to)
    {
        if (element.TryGetProperty(from, out var value) && value.TryGetUInt32(out var count) && count > 0)
        {
            writer.WriteNumber(to, count);
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
