using System.Buffers;
using System.Text.Json;

namespace Tracevault.Core.Traces;

/// <content>Joining independent subsegments into their parents, and writing the documents of a trace so joined.</content>
public static partial class TraceAssembler
{
    /// <summary>
    /// How deep independent subsegments are joined: one that would sit more than this many subsegments below its document's
    /// segment stays a document of its own (an orphan), so walks over a trace's nesting stay bounded whatever was sent.
    /// </summary>
    public const int MaxJoinDepth = 64;

    private static JoinedTrace JoinIndependentSubsegments(
        List<TraceEntity> segments, List<TraceEntity> subsegments, List<TraceEntity> inDocumentOrder, Dictionary<string, TraceEntity> byId)
    {
        var kept = new HashSet<TraceEntity>(ReferenceEqualityComparer.Instance);
        foreach (var subsegment in subsegments)
        {
            if (byId.TryGetValue(subsegment.Id, out var existing))
            {
                // A streamed subsegment may repeat one nested elsewhere: the complete version wins, and a repeat is not doubled.
                if (!existing.InProgress || subsegment.InProgress || existing.Parent is null)
                {
                    continue;
                }

                existing.Parent.ReplaceSubsegment(existing, subsegment);
                byId[subsegment.Id] = subsegment;
            }

            Register(subsegment, byId);
            kept.Add(subsegment);
        }

        var join = new Joining();
        foreach (var subsegment in subsegments)
        {
            if (kept.Contains(subsegment)
                && subsegment.Parent is null
                && subsegment.ParentId is { } parentId
                && byId.TryGetValue(parentId, out var parent)
                && !ReferenceEquals(parent, subsegment))
            {
                join.Wait(subsegment, parent);
            }
        }

        // Top down from the segments, so each subsegment's depth is known when it joins; then the orphans (their parent never
        // arrived), then subsegments whose parents name each other in a cycle, each cycle broken at its first document.
        foreach (var segment in segments)
        {
            join.Walk(segment);
        }

        foreach (var subsegment in subsegments)
        {
            if (kept.Contains(subsegment) && subsegment.Parent is null && !join.IsWaiting(subsegment))
            {
                join.Walk(subsegment);
            }
        }

        foreach (var subsegment in subsegments)
        {
            if (kept.Contains(subsegment) && subsegment.Parent is null)
            {
                join.StopWaiting(subsegment);
                join.Walk(subsegment);
            }
        }

        var tops = inDocumentOrder.Where(e => e.Kind == TraceEntityKind.Segment || (kept.Contains(e) && e.Parent is null)).ToList();
        return new JoinedTrace(tops, join.Rewritten, [.. tops.Where(e => e.Kind == TraceEntityKind.Subsegment)]);
    }

    private static IEnumerable<TraceSegment> WriteJoinedDocuments(JoinedTrace trace)
    {
        foreach (var top in trace.Tops)
        {
            yield return trace.Rewritten.Contains(top) ? new TraceSegment(top.Id, WriteJoinedDocument(top)) : new TraceSegment(top.Id, top.Document);
        }
    }

    private static byte[] WriteJoinedDocument(TraceEntity top)
    {
        var buffer = new ArrayBufferWriter<byte>(top.Document.Length * 2);
        using (var writer = new Utf8JsonWriter(buffer, DocumentWriterOptions))
        using (var json = JsonDocument.Parse(top.Document))
        {
            WriteJoinedEntity(writer, json.RootElement, top, joined: false);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes an entity's object with its subsegments as joined; recursion follows the joined nesting, bounded by <see cref="MaxJoinDepth"/> per document.</summary>
    private static void WriteJoinedEntity(Utf8JsonWriter writer, JsonElement json, TraceEntity entity, bool joined)
    {
        writer.WriteStartObject();
        foreach (var property in json.EnumerateObject())
        {
            // Nested, a streamed subsegment carries no type, trace id or parent id: it reads as if it had been sent whole.
            if (property.NameEquals("subsegments"u8)
                || (joined && (property.NameEquals("type"u8) || property.NameEquals("trace_id"u8) || property.NameEquals("parent_id"u8))))
            {
                continue;
            }

            property.WriteTo(writer);
        }

        if (entity.Subsegments.Count > 0)
        {
            var stored = json.TryGetProperty("subsegments"u8, out var array) && array.ValueKind == JsonValueKind.Array ? array : default;
            writer.WriteStartArray("subsegments"u8);
            foreach (var child in entity.Subsegments)
            {
                if (child.Independent)
                {
                    using var childJson = JsonDocument.Parse(child.Document);
                    WriteJoinedEntity(writer, childJson.RootElement, child, joined: true);
                }
                else
                {
                    WriteJoinedEntity(writer, stored[child.SourceIndex], child, joined: false);
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>The outcome of joining: the documents' top entities in stored order, which of them need writing, and the orphans.</summary>
    private sealed record JoinedTrace(List<TraceEntity> Tops, HashSet<TraceEntity> Rewritten, List<TraceEntity> Orphans);

    /// <summary>Independent subsegments waiting for their parent, joined as a walk down from each top entity reaches it.</summary>
    private sealed class Joining
    {
        private readonly Dictionary<TraceEntity, List<TraceEntity>> _waitingFor = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<TraceEntity, TraceEntity> _waitingOn = new(ReferenceEqualityComparer.Instance);
        private readonly Stack<(TraceEntity Entity, int Depth)> _walk = new();
        private readonly Queue<TraceEntity> _detached = new();
        private readonly HashSet<TraceEntity> _walked = new(ReferenceEqualityComparer.Instance);

        /// <summary>The top entities whose document changes: an independent subsegment joined below them.</summary>
        public HashSet<TraceEntity> Rewritten { get; } = new(ReferenceEqualityComparer.Instance);

        public void Wait(TraceEntity subsegment, TraceEntity parent)
        {
            if (!_waitingFor.TryGetValue(parent, out var children))
            {
                children = [];
                _waitingFor.Add(parent, children);
            }

            children.Add(subsegment);
            _waitingOn.Add(subsegment, parent);
        }

        public bool IsWaiting(TraceEntity subsegment) => _waitingOn.ContainsKey(subsegment);

        public void StopWaiting(TraceEntity subsegment)
        {
            if (_waitingOn.Remove(subsegment, out var parent))
            {
                _waitingFor[parent].Remove(subsegment);
            }
        }

        /// <summary>Joins what waits below <paramref name="top"/>, depth first, and then what was too deep to join, each as a top of its own.</summary>
        public void Walk(TraceEntity top)
        {
            WalkOne(top);
            while (_detached.TryDequeue(out var detached))
            {
                WalkOne(detached);
            }
        }

        private void WalkOne(TraceEntity top)
        {
            if (!_walked.Add(top))
            {
                return;
            }

            _walk.Push((top, 0));
            while (_walk.TryPop(out var item))
            {
                var (entity, depth) = item;
                if (_waitingFor.Remove(entity, out var children))
                {
                    foreach (var child in children)
                    {
                        _waitingOn.Remove(child);
                        if (child.Parent is null && !ReferenceEquals(child, entity) && !entity.IsDescendantOf(child))
                        {
                            entity.InsertSubsegment(child);
                        }
                    }
                }

                var subsegments = entity.Subsegments;
                for (var i = subsegments.Count - 1; i >= 0; i--)
                {
                    var child = subsegments[i];
                    if (child.Independent)
                    {
                        if (depth >= MaxJoinDepth)
                        {
                            entity.RemoveSubsegmentAt(i);
                            _detached.Enqueue(child);
                            continue;
                        }

                        Rewritten.Add(top);
                    }

                    _walk.Push((child, depth + 1));
                }
            }
        }
    }
}
