using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Tracevault.Core.Indexing;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Server.Otlp;

/// <summary>Writes one OpenTelemetry span as an X-Ray segment document, following the Collector's <c>awsxray</c> exporter conventions (spec/otlp.md).</summary>
/// <remarks>
/// What X-Ray's document has no field for (span name and kind, status message, trace state, flags, scope, events, links'
/// trace states, dropped counts, attributes under their own keys and types) is kept in <c>metadata.otel</c>, a namespace
/// reserved for it, so the span can be given back as it was sent. Thread-safe: it keeps no state.
/// </remarks>
internal static class SpanSegmentWriter
{
    /// <summary>The metadata namespace that holds what the mapping has no other place for.</summary>
    public const string ReservedNamespace = TraceIndexing.MetadataNamespace;

    // Span flags (opentelemetry-proto trace.proto SpanFlags): whether the parent's remoteness is known, and whether it is remote.
    private const uint ContextHasIsRemote = 0x100;
    private const uint ContextIsRemote = 0x200;

    /// <summary>Formats 16 trace id bytes the X-Ray way: <c>1-</c>, the first 4 bytes as 8 hex digits, <c>-</c>, the other 12 as 24.</summary>
    public static string XRayTraceId(ByteString traceId)
    {
        var hex = Convert.ToHexStringLower(traceId.Span);
        return string.Concat("1-", hex.AsSpan(0, 8), "-", hex.AsSpan(8));
    }

    /// <summary>Whether a span becomes a segment (a service's own entry) rather than an independent subsegment.</summary>
    /// <remarks>
    /// A span without a parent, or of kind SERVER or CONSUMER, starts work in its service; so does a span whose parent the SDK
    /// marks remote (another process). Any other span's parent is a span of the same service, whose segment it joins.
    /// </remarks>
    public static bool IsSegment(Span span) =>
        span.ParentSpanId.IsEmpty
        || span.Kind is Span.Types.SpanKind.Server or Span.Types.SpanKind.Consumer
        || (span.Flags & (ContextHasIsRemote | ContextIsRemote)) == (ContextHasIsRemote | ContextIsRemote);

    /// <summary>Writes the document of <paramref name="span"/> into <paramref name="output"/>.</summary>
    /// <param name="span">The span.</param>
    /// <param name="resource">Its resource, or null.</param>
    /// <param name="scope">Its instrumentation scope, or null.</param>
    /// <param name="serviceName">The resource's <c>service.name</c>, or null.</param>
    /// <param name="allAnnotations">Whether every scalar attribute becomes an annotation, or only those the span lists in <c>aws.xray.annotations</c>.</param>
    /// <param name="indexed">Whether the span's trace gets a trace summary (<see cref="TraceIndexing"/>); when not, <c>metadata.otel</c> says so.</param>
    /// <param name="output">Where the UTF-8 JSON goes.</param>
    public static void Write(Span span, Proto.Resource? resource, InstrumentationScope? scope, string? serviceName, bool allAnnotations, bool indexed, IBufferWriter<byte> output)
    {
        var attributes = new Attributes(span.Attributes);
        var isSegment = IsSegment(span);
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("trace_id"u8, XRayTraceId(span.TraceId));
        json.WriteString("id"u8, Convert.ToHexStringLower(span.SpanId.Span));
        if (!span.ParentSpanId.IsEmpty)
        {
            json.WriteString("parent_id"u8, Convert.ToHexStringLower(span.ParentSpanId.Span));
        }

        if (!isSegment)
        {
            json.WriteString("type"u8, "subsegment"u8);
        }

        var (name, awsNamespace) = Name(span, attributes, isSegment, serviceName);
        json.WriteString("name"u8, name);
        if (awsNamespace)
        {
            json.WriteString("namespace"u8, "aws"u8);
        }
        else if (span.Kind is Span.Types.SpanKind.Client or Span.Types.SpanKind.Producer || attributes.Has("peer.service"))
        {
            json.WriteString("namespace"u8, "remote"u8);
        }

        json.WriteNumber("start_time"u8, span.StartTimeUnixNano / 1e9);
        if (span.EndTimeUnixNano == 0)
        {
            json.WriteBoolean("in_progress"u8, true);
        }
        else
        {
            json.WriteNumber("end_time"u8, Math.Max(span.EndTimeUnixNano, span.StartTimeUnixNano) / 1e9);
        }

        var status = WriteHttp(json, attributes);
        WriteOutcome(json, span, status);
        WriteCause(json, span);
        WriteSql(json, attributes);
        WriteAws(json, attributes, awsNamespace);
        if (isSegment)
        {
            if (attributes.String("enduser.id") is { Length: > 0 } user)
            {
                json.WriteString("user"u8, user);
            }

            if (resource is not null && Find(resource.Attributes, "service.version") is { ValueCase: AnyValue.ValueOneofCase.StringValue } version)
            {
                json.WriteStartObject("service"u8);
                json.WriteString("version"u8, version.StringValue);
                json.WriteEndObject();
            }
        }

        WriteAnnotations(json, attributes, allAnnotations);
        WriteLinks(json, span);
        WriteMetadata(json, span, resource, scope, serviceName, isSegment, indexed);
        json.WriteEndObject();
    }

    private static (string Name, bool AwsNamespace) Name(Span span, Attributes attributes, bool isSegment, string? serviceName)
    {
        var isAws = attributes.String("rpc.system") == "aws-api" || attributes.Has("aws.service");
        string? name = attributes.String("peer.service");
        if (name is null && isAws)
        {
            name = attributes.String("aws.service") ?? attributes.String("rpc.service");
        }

        if (name is null && (attributes.String("db.name") ?? attributes.String("db.namespace")) is { } database)
        {
            var host = attributes.String("server.address") ?? attributes.String("net.peer.name");
            name = host is null ? database : database + "@" + host;
        }

        if (name is null && isSegment)
        {
            name = serviceName;
        }

        name ??= attributes.String("rpc.service") ?? attributes.String("http.host") ?? attributes.String("net.peer.name") ?? attributes.String("server.address");
        name = Clean(name ?? span.Name);
        if (name.Length == 0)
        {
            name = Clean(span.Name);
        }

        return (name.Length == 0 ? "span" : name, isAws);
    }

    /// <summary>Keeps the characters X-Ray allows in a name, at most 200 of them.</summary>
    private static string Clean(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, 200));
        foreach (var rune in name.EnumerateRunes())
        {
            if (builder.Length + rune.Utf16SequenceLength > 200)
            {
                break;
            }

            var allowed = Rune.IsLetter(rune) || Rune.IsNumber(rune) || Rune.IsWhiteSpace(rune)
                || (rune.IsAscii && "_.:/%&#=+\\-@".Contains((char)rune.Value, StringComparison.Ordinal));
            if (allowed)
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString().Trim();
    }

    private static long? WriteHttp(Utf8JsonWriter json, Attributes attributes)
    {
        var method = attributes.String("http.request.method") ?? attributes.String("http.method");
        var url = attributes.String("url.full") ?? attributes.String("http.url");
        if (url is null && (attributes.String("http.target") ?? Join(attributes.String("url.path"), attributes.String("url.query"))) is { } target)
        {
            var scheme = attributes.String("url.scheme") ?? attributes.String("http.scheme") ?? "http";
            var host = attributes.String("http.host") ?? Join(attributes.String("server.address"), attributes.Int("server.port") is { } port ? port.ToString(CultureInfo.InvariantCulture) : null, ':');
            url = host is null ? target : $"{scheme}://{host}{target}";
        }

        var clientIp = attributes.String("client.address") ?? attributes.String("http.client_ip");
        var userAgent = attributes.String("user_agent.original") ?? attributes.String("http.user_agent");
        var status = attributes.Int("http.response.status_code") ?? attributes.Int("http.status_code");
        var length = attributes.Int("http.response.body.size") ?? attributes.Int("http.response_content_length");
        if (method is null && url is null && clientIp is null && userAgent is null && status is null && length is null)
        {
            return null;
        }

        json.WriteStartObject("http"u8);
        if (method is not null || url is not null || clientIp is not null || userAgent is not null)
        {
            json.WriteStartObject("request"u8);
            WriteIfPresent(json, "method"u8, method);
            WriteIfPresent(json, "url"u8, url);
            WriteIfPresent(json, "client_ip"u8, clientIp);
            WriteIfPresent(json, "user_agent"u8, userAgent);
            json.WriteEndObject();
        }

        if (status is not null || length is not null)
        {
            json.WriteStartObject("response"u8);
            if (status is { } code)
            {
                json.WriteNumber("status"u8, code);
            }

            if (length is { } bytes)
            {
                json.WriteNumber("content_length"u8, bytes);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        return status;
    }

    private static void WriteOutcome(Utf8JsonWriter json, Span span, long? httpStatus)
    {
        switch (httpStatus)
        {
            case >= 500 and < 600:
                json.WriteBoolean("fault"u8, true);
                return;
            case 429:
                json.WriteBoolean("error"u8, true);
                json.WriteBoolean("throttle"u8, true);
                return;
            case >= 400 and < 500:
                json.WriteBoolean("error"u8, true);
                return;
        }

        if (span.Status?.Code == Proto.Status.Types.StatusCode.Error)
        {
            json.WriteBoolean("fault"u8, true);
        }
    }

    private static void WriteCause(Utf8JsonWriter json, Span span)
    {
        var started = false;
        foreach (var spanEvent in span.Events)
        {
            if (spanEvent.Name != "exception")
            {
                continue;
            }

            var attributes = new Attributes(spanEvent.Attributes);
            if (!started)
            {
                json.WriteStartObject("cause"u8);
                json.WriteStartArray("exceptions"u8);
                started = true;
            }

            json.WriteStartObject();
            json.WriteString("id"u8, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));
            WriteIfPresent(json, "type"u8, attributes.String("exception.type"));
            WriteIfPresent(json, "message"u8, attributes.String("exception.message"));
            if (attributes.String("exception.stacktrace") is { } stack)
            {
                json.WriteStartArray("stack"u8);
                foreach (var line in stack.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(64))
                {
                    json.WriteStartObject();
                    json.WriteString("label"u8, line);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        if (started)
        {
            json.WriteEndArray();
            json.WriteEndObject();
        }
    }

    /// <summary>The <c>db.system</c> values that are SQL databases: only their spans get an <c>sql</c> block (as the Collector's awsxray exporter), so a Redis or MongoDB call is not drawn as <c>Database::SQL</c>; its attributes stay in metadata.</summary>
    private static readonly FrozenSet<string> SqlSystems = FrozenSet.Create(StringComparer.Ordinal,
        "db2", "derby", "hive", "mariadb", "mssql", "mysql", "oracle", "postgresql", "sqlite", "teradata", "other_sql");

    private static void WriteSql(Utf8JsonWriter json, Attributes attributes)
    {
        var system = attributes.String("db.system") ?? attributes.String("db.system.name");
        if (system is null || !SqlSystems.Contains(system))
        {
            return;
        }

        json.WriteStartObject("sql"u8);
        json.WriteString("database_type"u8, system);
        WriteIfPresent(json, "url"u8, attributes.String("db.connection_string") ?? attributes.String("server.address"));
        WriteIfPresent(json, "user"u8, attributes.String("db.user"));
        WriteIfPresent(json, "sanitized_query"u8, attributes.String("db.query.text") ?? attributes.String("db.statement"));
        json.WriteEndObject();
    }

    private static void WriteAws(Utf8JsonWriter json, Attributes attributes, bool isAws)
    {
        if (!isAws)
        {
            return;
        }

        json.WriteStartObject("aws"u8);
        WriteIfPresent(json, "operation"u8, attributes.String("aws.operation") ?? attributes.String("rpc.method"));
        WriteIfPresent(json, "region"u8, attributes.String("aws.region") ?? attributes.String("cloud.region"));
        WriteIfPresent(json, "request_id"u8, attributes.String("aws.request_id") ?? attributes.String("aws.request.id"));
        WriteIfPresent(json, "table_name"u8, attributes.String("aws.table_name"));
        WriteIfPresent(json, "queue_url"u8, attributes.String("aws.queue_url") ?? attributes.String("messaging.url"));
        json.WriteEndObject();
    }

    private static void WriteAnnotations(Utf8JsonWriter json, Attributes attributes, bool all)
    {
        HashSet<string>? listed = null;
        if (!all)
        {
            if (attributes.Find("aws.xray.annotations") is not { ValueCase: AnyValue.ValueOneofCase.ArrayValue } list)
            {
                return;
            }

            listed = list.ArrayValue.Values.Where(v => v.ValueCase == AnyValue.ValueOneofCase.StringValue).Select(v => v.StringValue).ToHashSet(StringComparer.Ordinal);
        }

        var written = new HashSet<string>(StringComparer.Ordinal);
        var started = false;
        foreach (var attribute in attributes.All)
        {
            if ((listed is not null && !listed.Contains(attribute.Key)) || attribute.Key == "aws.xray.annotations" || attribute.Value is null)
            {
                continue;
            }

            var value = attribute.Value;
            if (value.ValueCase is not (AnyValue.ValueOneofCase.StringValue or AnyValue.ValueOneofCase.BoolValue or AnyValue.ValueOneofCase.IntValue or AnyValue.ValueOneofCase.DoubleValue))
            {
                continue;
            }

            var key = AnnotationKey(attribute.Key);
            if (key.Length == 0 || !written.Add(key) || (value.ValueCase == AnyValue.ValueOneofCase.DoubleValue && !double.IsFinite(value.DoubleValue)))
            {
                continue;
            }

            if (!started)
            {
                json.WriteStartObject("annotations"u8);
                started = true;
            }

            json.WritePropertyName(key);
            WriteScalar(json, value);
        }

        if (started)
        {
            json.WriteEndObject();
        }
    }

    /// <summary>An attribute key as an annotation key: characters outside <c>[A-Za-z0-9]</c> become <c>_</c>, as X-Ray does.</summary>
    public static string AnnotationKey(string key) =>
        string.Create(Math.Min(key.Length, 500), key, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = char.IsAsciiLetterOrDigit(source[i]) ? source[i] : '_';
            }
        });

    private static void WriteLinks(Utf8JsonWriter json, Span span)
    {
        if (span.Links.Count == 0)
        {
            return;
        }

        json.WriteStartArray("links"u8);
        foreach (var link in span.Links)
        {
            json.WriteStartObject();
            if (link.TraceId.Length == 16)
            {
                json.WriteString("trace_id"u8, XRayTraceId(link.TraceId));
            }

            json.WriteString("id"u8, Convert.ToHexStringLower(link.SpanId.Span));
            if (link.Attributes.Count > 0)
            {
                json.WriteStartObject("attributes"u8);
                WriteKeyValues(json, link.Attributes);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteMetadata(Utf8JsonWriter json, Span span, Proto.Resource? resource, InstrumentationScope? scope, string? serviceName, bool isSegment, bool indexed)
    {
        json.WriteStartObject("metadata"u8);
        json.WriteStartObject("default"u8);
        WriteKeyValues(json, span.Attributes);
        if (isSegment && resource is not null)
        {
            foreach (var attribute in resource.Attributes)
            {
                json.WritePropertyName("otel.resource." + attribute.Key);
                WriteValue(json, attribute.Value);
            }
        }

        json.WriteEndObject();

        json.WriteStartObject(ReservedNamespace);
        json.WriteString("name"u8, span.Name);
        json.WriteNumber("kind"u8, (int)span.Kind);
        json.WriteString("start_time_unix_nano"u8, span.StartTimeUnixNano.ToString(CultureInfo.InvariantCulture));
        json.WriteString("end_time_unix_nano"u8, span.EndTimeUnixNano.ToString(CultureInfo.InvariantCulture));
        if (span.Status is { } status && (status.Code != Proto.Status.Types.StatusCode.Unset || status.Message.Length > 0))
        {
            json.WriteStartObject("status"u8);
            json.WriteNumber("code"u8, (int)status.Code);
            WriteIfPresent(json, "message"u8, status.Message.Length > 0 ? status.Message : null);
            json.WriteEndObject();
        }

        WriteIfPresent(json, "trace_state"u8, span.TraceState.Length > 0 ? span.TraceState : null);
        if (span.Flags != 0)
        {
            json.WriteNumber("flags"u8, span.Flags);
        }

        if (!isSegment && serviceName is not null)
        {
            json.WriteString("service_name"u8, serviceName);
        }

        if (!indexed)
        {
            json.WriteBoolean(TraceIndexing.IndexedMember, false);
        }

        if (scope is not null && (scope.Name.Length > 0 || scope.Version.Length > 0 || scope.Attributes.Count > 0))
        {
            json.WriteStartObject("scope"u8);
            json.WriteString("name"u8, scope.Name);
            WriteIfPresent(json, "version"u8, scope.Version.Length > 0 ? scope.Version : null);
            if (scope.Attributes.Count > 0)
            {
                json.WriteStartObject("attributes"u8);
                WriteKeyValues(json, scope.Attributes);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        if (span.Events.Count > 0)
        {
            json.WriteStartArray("events"u8);
            foreach (var spanEvent in span.Events)
            {
                json.WriteStartObject();
                json.WriteString("name"u8, spanEvent.Name);
                json.WriteString("time_unix_nano"u8, spanEvent.TimeUnixNano.ToString(CultureInfo.InvariantCulture));
                if (spanEvent.Attributes.Count > 0)
                {
                    json.WriteStartObject("attributes"u8);
                    WriteKeyValues(json, spanEvent.Attributes);
                    json.WriteEndObject();
                }

                if (spanEvent.DroppedAttributesCount > 0)
                {
                    json.WriteNumber("dropped_attributes_count"u8, spanEvent.DroppedAttributesCount);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        if (span.Links.Any(l => l.TraceState.Length > 0 || l.Flags != 0 || l.DroppedAttributesCount > 0))
        {
            json.WriteStartArray("links"u8);
            foreach (var link in span.Links)
            {
                json.WriteStartObject();
                json.WriteString("trace_state"u8, link.TraceState);
                json.WriteNumber("flags"u8, link.Flags);
                json.WriteNumber("dropped_attributes_count"u8, link.DroppedAttributesCount);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        WriteCount(json, "dropped_attributes_count"u8, span.DroppedAttributesCount);
        WriteCount(json, "dropped_events_count"u8, span.DroppedEventsCount);
        WriteCount(json, "dropped_links_count"u8, span.DroppedLinksCount);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteCount(Utf8JsonWriter json, ReadOnlySpan<byte> name, uint count)
    {
        if (count > 0)
        {
            json.WriteNumber(name, count);
        }
    }

    private static void WriteKeyValues(Utf8JsonWriter json, RepeatedField<KeyValue> values)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attribute in values)
        {
            // JSON objects cannot repeat a key; OTLP says keys are unique, and the first one wins when a client breaks that.
            if (seen.Add(attribute.Key))
            {
                json.WritePropertyName(attribute.Key);
                WriteValue(json, attribute.Value);
            }
        }
    }

    /// <summary>Writes an attribute value as plain JSON; doubles keep a decimal point so they read back as doubles, bytes are base64.</summary>
    private static void WriteValue(Utf8JsonWriter json, AnyValue? value)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.ArrayValue:
                json.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    WriteValue(json, item);
                }

                json.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                json.WriteStartObject();
                WriteKeyValues(json, value.KvlistValue.Values);
                json.WriteEndObject();
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                json.WriteBase64StringValue(value.BytesValue.Span);
                break;
            case null or AnyValue.ValueOneofCase.None:
                json.WriteNullValue();
                break;
            default:
                WriteScalar(json, value);
                break;
        }
    }

    private static void WriteScalar(Utf8JsonWriter json, AnyValue value)
    {
        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                json.WriteStringValue(value.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                json.WriteBooleanValue(value.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                json.WriteNumberValue(value.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue when !double.IsFinite(value.DoubleValue):
                json.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
                break;
            default:
                var text = value.DoubleValue.ToString("R", CultureInfo.InvariantCulture);
                json.WriteRawValue(text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0", skipInputValidation: true);
                break;
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static string? Join(string? first, string? second, char separator = '?') =>
        first is null ? null : second is null ? first : first + separator + second;

    private static AnyValue? Find(RepeatedField<KeyValue> values, string key)
    {
        foreach (var attribute in values)
        {
            if (attribute.Key == key)
            {
                return attribute.Value;
            }
        }

        return null;
    }

    /// <summary>A span's attributes, looked up by key.</summary>
    private readonly struct Attributes(RepeatedField<KeyValue> values)
    {
        public RepeatedField<KeyValue> All => values;

        public AnyValue? Find(string key) => SpanSegmentWriter.Find(values, key);

        public bool Has(string key) => Find(key) is not null;

        public string? String(string key) => Find(key) is { ValueCase: AnyValue.ValueOneofCase.StringValue } value && value.StringValue.Length > 0 ? value.StringValue : null;

        public long? Int(string key) => Find(key) switch
        {
            { ValueCase: AnyValue.ValueOneofCase.IntValue } value => value.IntValue,
            { ValueCase: AnyValue.ValueOneofCase.DoubleValue } value when double.IsFinite(value.DoubleValue) => (long)value.DoubleValue,
            { ValueCase: AnyValue.ValueOneofCase.StringValue } value when long.TryParse(value.StringValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
    }
}
