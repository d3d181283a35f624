namespace Tracevault.Core.Traces;

/// <summary>Finds the path from a trace's root segment to its deepest failing entity, or to the entity that took its time.</summary>
internal static class RootCauseFinder
{
    /// <summary>How much of its parent's response time the slowest child must take for the response-time path to go down into it: half.</summary>
    public const double ResponseTimeShare = 0.5;

    /// <summary>The root cause for entities where <paramref name="failed"/> holds, or none when no reachable entity failed.</summary>
    public static IReadOnlyList<RootCause> Find(AssembledTrace trace, Func<TraceEntity, bool> failed)
    {
        if (trace.Root is not { } root)
        {
            return [];
        }

        var path = new List<TraceEntity>();
        List<TraceEntity>? deepest = null;
        Walk(root, failed, path, ref deepest, new HashSet<TraceEntity>(ReferenceEqualityComparer.Instance));
        return deepest is null ? [] : [new RootCause(GroupByService(deepest, coverage: null), failed(root))];
    }

    /// <summary>
    /// The response-time root cause: from the root segment, down into the slowest child (subsegment or downstream segment) as long
    /// as it took at least <see cref="ResponseTimeShare"/> of its parent's time; the entity where the path stops spent the time
    /// itself. None while the root segment is in progress.
    /// </summary>
    public static IReadOnlyList<RootCause> FindResponseTime(AssembledTrace trace)
    {
        if (trace.Root is not { ResponseTime: { } total } root)
        {
            return [];
        }

        var path = new List<TraceEntity> { root };
        var visited = new HashSet<TraceEntity>(ReferenceEqualityComparer.Instance) { root };
        for (var at = root; ;)
        {
            TraceEntity? slowest = null;
            foreach (var child in at.Subsegments.Concat(at.DownstreamSegments))
            {
                if (child.ResponseTime is { } time && (slowest is null || time > slowest.ResponseTime))
                {
                    slowest = child;
                }
            }

            if (slowest is null || slowest.ResponseTime < at.ResponseTime * ResponseTimeShare || !visited.Add(slowest))
            {
                break;
            }

            path.Add(slowest);
            at = slowest;
        }

        return [new RootCause(GroupByService(path, entity => total > 0 ? entity.ResponseTime / total : null), ClientImpacting: true)];
    }

    private static void Walk(
        TraceEntity entity, Func<TraceEntity, bool> failed, List<TraceEntity> path, ref List<TraceEntity>? deepest, HashSet<TraceEntity> visited)
    {
        if (!visited.Add(entity))
        {
            return;
        }

        path.Add(entity);
        if (failed(entity) && (deepest is null || path.Count > deepest.Count))
        {
            deepest = [.. path];
        }

        foreach (var child in entity.Subsegments)
        {
            Walk(child, failed, path, ref deepest, visited);
        }

        foreach (var downstream in entity.DownstreamSegments)
        {
            Walk(downstream, failed, path, ref deepest, visited);
        }

        path.RemoveAt(path.Count - 1);
    }

    private static List<RootCauseService> GroupByService(List<TraceEntity> path, Func<TraceEntity, double?>? coverage)
    {
        var services = new List<RootCauseService>();
        TraceService? current = null;
        List<RootCauseEntity>? entities = null;
        foreach (var entity in path)
        {
            if (entity.Service is not { } service)
            {
                continue;
            }

            if (!ReferenceEquals(service, current))
            {
                current = service;
                entities = [];
                services.Add(new RootCauseService(service.Id, entities, Inferred: false));
            }

            entities!.Add(new RootCauseEntity(entity.Name, coverage is null ? entity.Exceptions : [], entity.IsRemote, coverage?.Invoke(entity)));
        }

        // A failing call to an uninstrumented service ends the path at the service X-Ray infers for it.
        if (path[^1].InferredService is { } inferred)
        {
            services.Add(new RootCauseService(
                inferred.Id, [new RootCauseEntity(inferred.Id.Name, [], Remote: null, coverage?.Invoke(path[^1]))], Inferred: true));
        }

        return services;
    }
}
