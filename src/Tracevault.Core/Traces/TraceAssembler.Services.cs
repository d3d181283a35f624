using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tracevault.Core.Traces;

/// <content>Discovering services and calls, and writing X-Ray's inferred segments for uninstrumented callees.</content>
public static partial class TraceAssembler
{
    private static (List<TraceService> Services, List<ServiceCall> Calls) DiscoverServices(List<TraceEntity> segments, TraceEntity? root, List<TraceEntity> orphans)
    {
        var discovery = new ServiceDiscovery();
        if (root is not null)
        {
            discovery.VisitSegment(root);
        }

        foreach (var segment in segments.Where(s => s.Caller is null).OrderBy(s => s.StartTime))
        {
            discovery.VisitSegment(segment);
        }

        foreach (var segment in segments)
        {
            discovery.VisitSegment(segment);
        }

        foreach (var orphan in orphans)
        {
            discovery.VisitOrphan(orphan);
        }

        return (discovery.Services, discovery.Calls);
    }

    private static ServiceId InferServiceId(TraceEntity subsegment)
    {
        if (subsegment.Namespace == "aws")
        {
            if (subsegment.TableName is { Length: > 0 } table)
            {
                return new ServiceId(table, "AWS::DynamoDB::Table", subsegment.AccountId);
            }

            if (subsegment.QueueUrl is { Length: > 0 } queueUrl)
            {
                return new ServiceId(queueUrl[(queueUrl.TrimEnd('/').LastIndexOf('/') + 1)..].TrimEnd('/'), "AWS::SQS::Queue", subsegment.AccountId);
            }

            if (subsegment.BucketName is { Length: > 0 } bucket)
            {
                return new ServiceId(bucket, "AWS::S3::Bucket", subsegment.AccountId);
            }

            return new ServiceId(subsegment.Name, "AWS::" + subsegment.Name, subsegment.AccountId);
        }

        return new ServiceId(subsegment.Name, subsegment.HasSql ? "Database::SQL" : "remote", subsegment.AccountId);
    }

    // A document travels as a JSON string value, never inside HTML, so only JSON's own escaping is needed.
    private static readonly JsonWriterOptions DocumentWriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IEnumerable<TraceSegment> WriteInferredSegments(string traceId, List<ServiceCall> calls, List<TraceEntity> orphans)
    {
        foreach (var call in calls)
        {
            if (call.Callee.Inferred)
            {
                var id = InferredSegmentId(traceId, call.Entity.Id);
                yield return new TraceSegment(id, WriteInferredSegment(id, traceId, call.Entity, call.Callee.Id));
            }
        }

        foreach (var orphan in orphans)
        {
            var id = InferredSegmentId(traceId, orphan.Id);
            yield return new TraceSegment(id, WriteInferredSegment(id, traceId, orphan, orphan.Service!.Id));
        }
    }

    private static string InferredSegmentId(string traceId, string subsegmentId)
    {
        // Derived rather than random, so every read of the trace returns the same inferred segment ids.
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{traceId}/{subsegmentId}/inferred"), hash);
        return Convert.ToHexStringLower(hash[..8]);
    }

    private static byte[] WriteInferredSegment(string id, string traceId, TraceEntity subsegment, ServiceId service)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, DocumentWriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("name", subsegment.Name);
            writer.WriteNumber("start_time", subsegment.StartTime);
            if (subsegment.EndTime is { } end)
            {
                writer.WriteNumber("end_time", end);
            }
            else
            {
                writer.WriteBoolean("in_progress", true);
            }

            writer.WriteString("parent_id", subsegment.Id);
            writer.WriteBoolean("inferred", true);
            if (subsegment.Error)
            {
                writer.WriteBoolean("error", true);
            }

            if (subsegment.Throttle)
            {
                writer.WriteBoolean("throttle", true);
            }

            if (subsegment.Fault)
            {
                writer.WriteBoolean("fault", true);
            }

            if (subsegment.HttpJson is { } http)
            {
                writer.WritePropertyName("http");
                writer.WriteRawValue(http);
            }

            if (subsegment.AwsJson is { } aws)
            {
                writer.WritePropertyName("aws");
                writer.WriteRawValue(aws);
            }

            writer.WriteString("trace_id", traceId);
            if (service.Type is { } origin)
            {
                writer.WriteString("origin", origin);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private sealed class ServiceDiscovery
    {
        private readonly Dictionary<ServiceId, TraceService> _byId = [];
        private readonly HashSet<TraceEntity> _visited = new(ReferenceEqualityComparer.Instance);

        public List<TraceService> Services { get; } = [];

        public List<ServiceCall> Calls { get; } = [];

        public void VisitSegment(TraceEntity segment)
        {
            if (!_visited.Add(segment))
            {
                return;
            }

            var service = GetOrAdd(new ServiceId(segment.Name, segment.Origin, segment.AccountId), inferred: false);
            service.Add(segment);
            segment.OwnService = service;
            service.Root |= segment.Caller is null;
            VisitChildren(segment, service);
        }

        /// <summary>
        /// An independent subsegment whose parent never arrived stands for the service inferred from it, as X-Ray shows it: the
        /// service it called for an <c>aws</c> or <c>remote</c> one, otherwise a service of indeterminate type named after it.
        /// </summary>
        public void VisitOrphan(TraceEntity orphan)
        {
            var service = GetOrAdd(InferServiceId(orphan), inferred: true);
            service.Add(orphan);
            orphan.OwnService = service;
            VisitChildren(orphan, service);
        }

        private void VisitChildren(TraceEntity entity, TraceService service)
        {
            foreach (var subsegment in entity.Subsegments)
            {
                if (subsegment.IsRemote && subsegment.DownstreamSegments.Count == 0)
                {
                    var inferred = GetOrAdd(InferServiceId(subsegment), inferred: true);
                    inferred.Add(subsegment);
                    subsegment.InferredService = inferred;
                    Calls.Add(new ServiceCall(service, inferred, subsegment));
                }

                VisitChildren(subsegment, service);
            }

            foreach (var downstream in entity.DownstreamSegments)
            {
                VisitSegment(downstream);
                if (!ReferenceEquals(downstream.OwnService, service))
                {
                    Calls.Add(new ServiceCall(service, downstream.OwnService!, downstream));
                }
            }
        }

        private TraceService GetOrAdd(ServiceId id, bool inferred)
        {
            if (!_byId.TryGetValue(id, out var service))
            {
                service = new TraceService(id, inferred);
                _byId.Add(id, service);
                Services.Add(service);
            }

            return service;
        }
    }
}
