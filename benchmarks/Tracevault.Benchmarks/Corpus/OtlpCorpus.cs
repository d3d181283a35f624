using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Tracevault.Server.Otlp.Proto;

namespace Tracevault.Benchmarks.Corpus;

/// <summary>
/// The corpus's traces as an OpenTelemetry SDK would export the same work: every segment and every subsegment one span (semantic
/// conventions for HTTP, RPC/AWS and databases), each service one resource, and a random (W3C) trace id instead of X-Ray's dated one.
/// </summary>
/// <remarks>
/// A segment becomes a SERVER span (its parent, the calling subsegment of another service, marked remote); an AWS or SQL
/// subsegment or a call to another service a CLIENT span; a local subsegment an INTERNAL one. Annotations and metadata become
/// span attributes, <c>user</c> <c>enduser.id</c>, a cause an <c>exception</c> event, a fault status ERROR.
/// </remarks>
public static class OtlpCorpus
{
    // opentelemetry-proto SpanFlags: the parent is known to be remote (another process).
    private const uint RemoteParent = 0x300;

    /// <summary>The random W3C trace id the OTLP copy of a corpus trace carries, derived from its X-Ray id so both sides can find it.</summary>
    public static byte[] W3CTraceId(string xrayTraceId) => SHA256.HashData(Encoding.ASCII.GetBytes("otlp:" + xrayTraceId))[..16];

    /// <summary>The X-Ray form of a 16-byte trace id, as the server shows it: <c>1-</c>, 8 hex digits, <c>-</c>, 24 hex digits.</summary>
    public static string XRayForm(byte[] traceId)
    {
        var hex = Convert.ToHexStringLower(traceId);
        return string.Concat("1-", hex.AsSpan(0, 8), "-", hex.AsSpan(8));
    }

    /// <summary>The spans of one corpus trace, each with the service (resource) that sends it.</summary>
    public static List<(CorpusService Service, Span Span)> Spans(CorpusTrace trace, IReadOnlyDictionary<string, CorpusService> services)
    {
        var traceId = ByteString.CopyFrom(W3CTraceId(trace.TraceId));
        var spans = new List<(CorpusService, Span)>();
        foreach (var document in trace.Documents)
        {
            using var json = JsonDocument.Parse(document);
            var root = json.RootElement;
            var service = services[root.GetProperty("name").GetString()!];
            var span = NewSpan(traceId, root, root.TryGetProperty("parent_id", out var parent) ? parent.GetString() : null, Span.Types.SpanKind.Server);
            if (parent.ValueKind == JsonValueKind.String)
            {
                span.Flags = RemoteParent;
            }

            var url = root.GetProperty("http").GetProperty("request").GetProperty("url").GetString()!;
            var method = root.GetProperty("http").GetProperty("request").GetProperty("method").GetString()!;
            var path = new Uri(url).AbsolutePath;
            span.Name = method + " " + path[..(path.LastIndexOf('/') + 1)] + "{id}";
            AddHttp(span, root.GetProperty("http"));
            if (root.TryGetProperty("user", out var user))
            {
                span.Attributes.Add(Attribute("enduser.id", user.GetString()!));
            }

            if (root.TryGetProperty("annotations", out var annotations))
            {
                foreach (var annotation in annotations.EnumerateObject())
                {
                    span.Attributes.Add(Attribute(annotation.Name, annotation.Value));
                }
            }

            if (root.TryGetProperty("metadata", out var metadata))
            {
                foreach (var entry in metadata.GetProperty("default").EnumerateObject())
                {
                    span.Attributes.Add(Attribute("app." + entry.Name, entry.Value));
                }
            }

            AddCause(span, root);
            spans.Add((service, span));
            AddSubsegments(traceId, root, service, spans);
        }

        return spans;
    }

    /// <summary>How many spans <see cref="Spans"/> makes of a trace: its documents and every subsegment in them.</summary>
    public static int SpanCount(CorpusTrace trace) => trace.Documents.Sum(document =>
    {
        using var json = JsonDocument.Parse(document);
        return Count(json.RootElement);
    });

    /// <summary>The resource of a service's spans: its name and where it runs, as an SDK's resource detectors describe it.</summary>
    public static Resource Resource(CorpusService service)
    {
        var resource = new Resource();
        resource.Attributes.Add(Attribute("service.name", service.Name));
        resource.Attributes.Add(Attribute("cloud.provider", "aws"));
        resource.Attributes.Add(Attribute("cloud.platform", service.Origin switch
        {
            "AWS::EC2::Instance" => "aws_ec2",
            "AWS::ECS::Container" => "aws_ecs",
            "AWS::EKS::Container" => "aws_eks",
            _ => "aws_elastic_beanstalk",
        }));
        resource.Attributes.Add(Attribute("host.id", service.InstanceId));
        resource.Attributes.Add(Attribute("telemetry.sdk.name", "opentelemetry"));
        resource.Attributes.Add(Attribute("telemetry.sdk.language", "java"));
        resource.Attributes.Add(Attribute("telemetry.sdk.version", "1.44.1"));
        return resource;
    }

    private static int Count(JsonElement element) =>
        1 + (element.TryGetProperty("subsegments", out var subsegments) ? subsegments.EnumerateArray().Sum(Count) : 0);

    private static void AddSubsegments(ByteString traceId, JsonElement parent, CorpusService service, List<(CorpusService, Span)> spans)
    {
        if (!parent.TryGetProperty("subsegments", out var subsegments))
        {
            return;
        }

        var parentId = parent.GetProperty("id").GetString();
        foreach (var subsegment in subsegments.EnumerateArray())
        {
            var name = subsegment.GetProperty("name").GetString()!;
            var awsCall = subsegment.TryGetProperty("aws", out var aws);
            var sql = subsegment.TryGetProperty("sql", out var query);
            var remote = subsegment.TryGetProperty("namespace", out _);
            var span = NewSpan(traceId, subsegment, parentId, remote ? Span.Types.SpanKind.Client : Span.Types.SpanKind.Internal);
            if (awsCall)
            {
                var operation = aws.GetProperty("operation").GetString()!;
                span.Name = name + "." + operation;
                span.Attributes.Add(Attribute("rpc.system", "aws-api"));
                span.Attributes.Add(Attribute("rpc.service", name));
                span.Attributes.Add(Attribute("rpc.method", operation));
                span.Attributes.Add(Attribute("aws.region", aws.GetProperty("region").GetString()!));
                span.Attributes.Add(Attribute("aws.request_id", aws.GetProperty("request_id").GetString()!));
                if (aws.TryGetProperty("table_name", out var table))
                {
                    span.Attributes.Add(Attribute("aws.table_name", table.GetString()!));
                }

                if (aws.TryGetProperty("queue_url", out var queue))
                {
                    span.Attributes.Add(Attribute("aws.queue_url", queue.GetString()!));
                }

                span.Attributes.Add(Attribute("aws.retries", aws.GetProperty("retries")));
            }
            else if (sql)
            {
                var statement = query.GetProperty("sanitized_query").GetString()!;
                span.Name = statement[..statement.IndexOf(' ', StringComparison.Ordinal)] + " shop";
                span.Attributes.Add(Attribute("db.system", "postgresql"));
                span.Attributes.Add(Attribute("db.name", "shop"));
                span.Attributes.Add(Attribute("server.address", name[(name.IndexOf('@', StringComparison.Ordinal) + 1)..]));
                span.Attributes.Add(Attribute("db.statement", statement));
            }
            else if (remote)
            {
                span.Name = subsegment.GetProperty("http").GetProperty("request").GetProperty("method").GetString()!;
                span.Attributes.Add(Attribute("peer.service", name));
            }
            else
            {
                span.Name = name;
            }

            if (subsegment.TryGetProperty("http", out var http))
            {
                AddHttp(span, http);
            }

            spans.Add((service, span));
            AddSubsegments(traceId, subsegment, service, spans);
        }
    }

    private static Span NewSpan(ByteString traceId, JsonElement element, string? parentId, Span.Types.SpanKind kind)
    {
        var span = new Span
        {
            TraceId = traceId,
            SpanId = ByteString.CopyFrom(Convert.FromHexString(element.GetProperty("id").GetString()!)),
            Kind = kind,
            StartTimeUnixNano = Nanoseconds(element.GetProperty("start_time").GetDouble()),
            EndTimeUnixNano = Nanoseconds(element.GetProperty("end_time").GetDouble()),
        };
        if (parentId is not null)
        {
            span.ParentSpanId = ByteString.CopyFrom(Convert.FromHexString(parentId));
        }

        if (element.TryGetProperty("fault", out _))
        {
            span.Status = new Status { Code = Status.Types.StatusCode.Error };
        }

        return span;
    }

    private static void AddHttp(Span span, JsonElement http)
    {
        if (http.TryGetProperty("request", out var request))
        {
            span.Attributes.Add(Attribute("http.request.method", request.GetProperty("method").GetString()!));
            span.Attributes.Add(Attribute("url.full", request.GetProperty("url").GetString()!));
            if (request.TryGetProperty("user_agent", out var agent))
            {
                span.Attributes.Add(Attribute("user_agent.original", agent.GetString()!));
            }

            if (request.TryGetProperty("client_ip", out var client))
            {
                span.Attributes.Add(Attribute("client.address", client.GetString()!));
            }
        }

        if (http.TryGetProperty("response", out var response))
        {
            span.Attributes.Add(Attribute("http.response.status_code", response.GetProperty("status")));
            if (response.TryGetProperty("content_length", out var length))
            {
                span.Attributes.Add(Attribute("http.response.body.size", length));
            }
        }
    }

    private static void AddCause(Span span, JsonElement root)
    {
        if (!root.TryGetProperty("cause", out var cause))
        {
            return;
        }

        foreach (var exception in cause.GetProperty("exceptions").EnumerateArray())
        {
            var stack = new StringBuilder();
            foreach (var frame in exception.GetProperty("stack").EnumerateArray())
            {
                stack.Append(CultureInfo.InvariantCulture, $"\tat {frame.GetProperty("label").GetString()}({frame.GetProperty("path").GetString()}:{frame.GetProperty("line").GetInt32()})\n");
            }

            var type = exception.GetProperty("type").GetString()!;
            var message = exception.GetProperty("message").GetString()!;
            var happened = new Span.Types.Event { Name = "exception", TimeUnixNano = span.EndTimeUnixNano };
            happened.Attributes.Add(Attribute("exception.type", type));
            happened.Attributes.Add(Attribute("exception.message", message));
            happened.Attributes.Add(Attribute("exception.stacktrace", type + ": " + message + "\n" + stack));
            span.Events.Add(happened);
        }

        span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = cause.GetProperty("exceptions")[0].GetProperty("message").GetString()! };
    }

    private static ulong Nanoseconds(double seconds) => (ulong)Math.Round(seconds * 1e6) * 1000;

    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static KeyValue Attribute(string key, JsonElement value) => new()
    {
        Key = key,
        Value = value.ValueKind switch
        {
            JsonValueKind.String => new AnyValue { StringValue = value.GetString()! },
            JsonValueKind.True or JsonValueKind.False => new AnyValue { BoolValue = value.GetBoolean() },
            JsonValueKind.Number when value.TryGetInt64(out var integer) => new AnyValue { IntValue = integer },
            _ => new AnyValue { DoubleValue = value.GetDouble() },
        },
    };
}
