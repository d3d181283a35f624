namespace Tracevault.Core.Traces;

/// <content>Bounding how deep an assembled trace nests, so that every walk of it stays far within the stack.</content>
public static partial class TraceAssembler
{
    /// <summary>
    /// How many links (subsegment to parent, segment to caller) may lie between an entity and the top of its tree: 256.
    /// A document nests at most 64 JSON levels, but independent subsegments and segments name their parents by id, so a
    /// trace of many documents could chain them without end; a link past the limit is cut and its entity starts a tree of its own.
    /// </summary>
    public const int MaxEntityDepth = 256;

    /// <summary>Cuts the links that nest an entity deeper than <see cref="MaxEntityDepth"/>; answers the tops of the trees after it.</summary>
    /// <remarks>
    /// Every entity has at most one incoming link (its parent or its caller), so the links form trees, and cycles of callers.
    /// An iterative walk from the tops finds the depths. A cycle is reached from no top: it is walked from its earliest segment
    /// and keeps the link that closes it, so a walk along it meets at most two stretches of <see cref="MaxEntityDepth"/> links.
    /// </remarks>
    private static List<TraceEntity> LimitDepth(List<TraceEntity> segments, List<TraceEntity> joined)
    {
        var tops = new List<TraceEntity>(segments);
        tops.AddRange(joined.Where(s => s.Parent is null));
        var walked = new HashSet<TraceEntity>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<(TraceEntity Entity, int Depth)>();
        foreach (var top in tops.Where(e => e.Caller is null && e.Parent is null).ToList())
        {
            Walk(top);
        }

        if (walked.Count < segments.Count)
        {
            foreach (var segment in segments.OrderBy(s => s.StartTime))
            {
                Walk(segment);
            }
        }

        return tops;

        void Walk(TraceEntity start)
        {
            if (start.Kind == TraceEntityKind.Segment && !walked.Add(start))
            {
                return;
            }

            pending.Push((start, 0));
            while (pending.TryPop(out var next))
            {
                var (entity, depth) = next;
                if (depth < MaxEntityDepth)
                {
                    foreach (var child in entity.Subsegments)
                    {
                        pending.Push((child, depth + 1));
                    }

                    foreach (var downstream in entity.DownstreamSegments)
                    {
                        if (walked.Add(downstream))
                        {
                            pending.Push((downstream, depth + 1));
                        }
                    }

                    continue;
                }

                foreach (var child in entity.Subsegments.ToList())
                {
                    entity.RemoveSubsegment(child);
                    tops.Add(child);
                    pending.Push((child, 0));
                }

                foreach (var downstream in entity.DownstreamSegments.ToList())
                {
                    // Every segment is a top already; only its caller link goes. The one closing a cycle stays (walked).
                    if (walked.Add(downstream))
                    {
                        entity.RemoveDownstream(downstream);
                        pending.Push((downstream, 0));
                    }
                }
            }
        }
    }
}
