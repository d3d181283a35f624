namespace Tracevault.Core.Traces;

/// <summary>Finds the path from a trace's root segment to its deepest failing entity.</summary>
internal static class RootCauseFinder
{
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
        return deepest is null ? [] : [new RootCause(GroupByService(deepest), failed(root))];
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

    private static List<RootCauseService> GroupByService(List<TraceEntity> path)
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

            entities!.Add(new RootCauseEntity(entity.Name, entity.Exceptions, entity.IsRemote));
        }

        // A failing call to an uninstrumented service ends the path at the service X-Ray infers for it.
        if (path[^1].InferredService is { } inferred)
        {
            services.Add(new RootCauseService(
                inferred.Id, [new RootCauseEntity(inferred.Id.Name, [], Remote: null)], Inferred: true));
        }

        return services;
    }
}
