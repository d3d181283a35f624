using System.Text.Json;

namespace Tracevault.Core.Traces;

/// <summary>Compiles the stored documents of one trace into an <see cref="AssembledTrace"/>, as X-Ray does before answering reads.</summary>
/// <remarks>
/// A complete document replaces an in-progress one with the same id whatever their order; otherwise the later document wins.
/// Independent subsegments join the entity their <c>parent_id</c> names, in the trace and in the documents it returns; one whose
/// parent never arrived is an orphan. Documents that are not JSON objects with an id are skipped.
/// Thread-safe.
/// </remarks>
public static partial class TraceAssembler
{
    /// <summary>X-Ray's upper trace document limit, 500 KB, beyond which <see cref="AssembledTrace.LimitExceeded"/> is set.</summary>
    public const long MaxTraceDocumentBytes = 500 * 1024;

    /// <summary>Assembles one trace from its stored segment documents (UTF-8 JSON), in the order they were stored.</summary>
    public static AssembledTrace Assemble(string traceId, IEnumerable<ReadOnlyMemory<byte>> documents)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        ArgumentNullException.ThrowIfNull(documents);
        traceId = TraceIds.Normalize(traceId);

        var (latest, revision) = SelectLatestDocuments(documents);
        var byId = new Dictionary<string, TraceEntity>(StringComparer.Ordinal);
        var segments = new List<TraceEntity>();
        var independentSubsegments = new List<TraceEntity>();
        var inDocumentOrder = new List<TraceEntity>(latest.Count);
        long documentBytes = 0;
        var stored = new List<TraceSegment>(latest.Count);
        foreach (var document in latest)
        {
            using var json = document.Json;
            documentBytes += document.Utf8.Length;
            stored.Add(new TraceSegment(document.Id, document.Utf8));
            var element = json.RootElement;
            var isSubsegment = element.TryGetProperty("type"u8, out var type)
                && type.ValueKind == JsonValueKind.String && type.ValueEquals("subsegment");
            var entity = ReadEntity(element, isSubsegment ? TraceEntityKind.Subsegment : TraceEntityKind.Segment);
            entity.Document = document.Utf8;
            (isSubsegment ? independentSubsegments : segments).Add(entity);
            inDocumentOrder.Add(entity);
        }

        foreach (var segment in segments)
        {
            Register(segment, byId);
        }

        // Most traces have no independent subsegments: they pay nothing for joining, and their documents are returned as stored.
        var joined = independentSubsegments.Count == 0 ? null : JoinIndependentSubsegments(segments, independentSubsegments, inDocumentOrder, byId);
        var orphans = joined?.Orphans ?? [];
        LinkCallers(segments, byId);
        var tops = LimitDepth(segments, orphans);

        var root = FindRoot(segments);
        var entities = new List<TraceEntity>();
        foreach (var top in tops.OrderBy(e => e.StartTime))
        {
            CollectDepthFirst(top, entities);
        }

        var (services, calls) = DiscoverServices(segments, root, orphans);
        Func<IReadOnlyList<TraceSegment>> compiled = joined is null
            ? () => [.. stored, .. WriteInferredSegments(traceId, calls, orphans)]
            : () => [.. WriteJoinedDocuments(joined), .. WriteInferredSegments(traceId, calls, orphans)];
        return new AssembledTrace(traceId, compiled, stored, entities, root, services, calls, orphans, documentBytes, revision);
    }

    private static (List<StoredDocument> Latest, int Revision) SelectLatestDocuments(IEnumerable<ReadOnlyMemory<byte>> documents)
    {
        var latest = new List<StoredDocument>();
        var indexById = new Dictionary<string, int>(StringComparer.Ordinal);
        var revision = 0;
        foreach (var utf8 in documents)
        {
            revision++;
            if (StoredDocument.TryRead(utf8) is not { } document)
            {
                continue;
            }

            if (!indexById.TryGetValue(document.Id, out var index))
            {
                indexById.Add(document.Id, latest.Count);
                latest.Add(document);
            }
            else if (document.Complete || !latest[index].Complete)
            {
                latest[index].Json.Dispose();
                latest[index] = document;
            }
            else
            {
                document.Json.Dispose();
            }
        }

        return (latest, revision);
    }

    private static void Register(TraceEntity entity, Dictionary<string, TraceEntity> byId)
    {
        if (entity.Id.Length > 0 && !byId.TryGetValue(entity.Id, out _))
        {
            byId.Add(entity.Id, entity);
        }

        foreach (var child in entity.Subsegments)
        {
            Register(child, byId);
        }
    }

    private static void LinkCallers(List<TraceEntity> segments, Dictionary<string, TraceEntity> byId)
    {
        foreach (var segment in segments)
        {
            if (segment.ParentId is { } parentId
                && byId.TryGetValue(parentId, out var caller)
                && !ReferenceEquals(caller.Segment, segment))
            {
                caller.AddDownstream(segment);
            }
        }
    }

    private static TraceEntity? FindRoot(List<TraceEntity> segments)
    {
        TraceEntity? root = null;
        foreach (var segment in segments)
        {
            if (segment.Caller is null && (root is null || segment.StartTime < root.StartTime))
            {
                root = segment;
            }
        }

        // Segments calling each other in a cycle leave no caller-less segment: the earliest stands in.
        return root ?? segments.MinBy(s => s.StartTime);
    }

    private static void CollectDepthFirst(TraceEntity entity, List<TraceEntity> entities)
    {
        entities.Add(entity);
        foreach (var child in entity.Subsegments)
        {
            CollectDepthFirst(child, entities);
        }
    }

    private sealed record StoredDocument(string Id, bool Complete, ReadOnlyMemory<byte> Utf8, JsonDocument Json)
    {
        public static StoredDocument? TryRead(ReadOnlyMemory<byte> utf8)
        {
            if (utf8.IsEmpty)
            {
                return null;
            }

            JsonDocument json;
            try
            {
                json = JsonDocument.Parse(utf8);
            }
            catch (JsonException)
            {
                return null;
            }

            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("id"u8, out var id)
                || id.ValueKind != JsonValueKind.String)
            {
                json.Dispose();
                return null;
            }

            var complete = root.TryGetProperty("end_time"u8, out var end) && end.ValueKind == JsonValueKind.Number
                && !(root.TryGetProperty("in_progress"u8, out var inProgress) && inProgress.ValueKind == JsonValueKind.True);
            return new StoredDocument(TraceIds.Normalize(id.GetString()!), complete, utf8, json);
        }
    }
}
