using System.Globalization;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// What a filter expression and the response-time histogram need to know of one trace, kept at ingest beside the statistics so that
/// a page can count every trace of a range without reading its documents: times, the root segment's outcome and HTTP request, the
/// services and calls, annotations, users and resources.
/// </summary>
/// <remarks>
/// Made from the part of a trace one ingest batch held (<see cref="From"/>); the parts of a trace that arrived in several batches are
/// <see cref="Merge"/>d when read, and their calls across batches then <see cref="Resolve"/>d: a segment naming a parent another part
/// holds is linked to it as assembling links it. What stays unknown is said by <see cref="Certainty"/>: a segment whose parent is in
/// no part, or an independent subsegment whose parent is in no part, leaves the calls and services in doubt; a segment stored in two
/// parts (an in-progress one completed, say) leaves everything in doubt. Immutable.
/// </remarks>
public sealed class TraceFacts
{
    /// <summary>Creates facts; <see cref="From"/>, <see cref="Merge"/> and <see cref="Resolve"/> are the usual ways.</summary>
    public TraceFacts(string id, double startTime, double endTime, TraceFactsFlags flags, double? responseTime, TraceHttp? http, IReadOnlyList<ServiceId> services, IReadOnlyList<bool> inferred, IReadOnlyList<(int Caller, int Callee)> calls, IReadOnlyList<KeyValuePair<string, AnnotationValue>> annotations, IReadOnlyList<string> users, IReadOnlyList<string> availabilityZones, IReadOnlyList<string> instanceIds, IReadOnlyList<string> resourceArns)
    {
        Id = id;
        StartTime = startTime;
        EndTime = endTime;
        Flags = flags;
        ResponseTime = responseTime;
        Http = http;
        Services = services;
        Inferred = inferred;
        Calls = calls;
        Annotations = annotations;
        Users = users;
        AvailabilityZones = availabilityZones;
        InstanceIds = instanceIds;
        ResourceArns = resourceArns;
    }

    /// <summary>The trace id.</summary>
    public string Id { get; }

    /// <summary>The earliest start of its entities, epoch seconds.</summary>
    public double StartTime { get; }

    /// <summary>The latest end (or, while in progress, start) of its entities, epoch seconds.</summary>
    public double EndTime { get; }

    /// <summary>Seconds from the earliest start to the latest end, as a trace summary's <c>Duration</c>.</summary>
    public double Duration => EpochSeconds.Elapsed(StartTime, EndTime);

    /// <summary>The root segment's start (the facts' own start when there is no root), for choosing the root when parts merge.</summary>
    public double RootStart { get; init; }

    /// <summary>The trace's states and the root segment's outcome.</summary>
    public TraceFactsFlags Flags { get; }

    /// <summary>The root segment's response time, or <see langword="null"/> while it is in progress or there is none.</summary>
    public double? ResponseTime { get; }

    /// <summary>The HTTP request the root segment served, if it recorded one.</summary>
    public TraceHttp? Http { get; }

    /// <summary>The trace's services, inferred ones included.</summary>
    public IReadOnlyList<ServiceId> Services { get; }

    /// <summary>For each of <see cref="Services"/>, whether it is inferred.</summary>
    public IReadOnlyList<bool> Inferred { get; }

    /// <summary>The calls between services, as indexes into <see cref="Services"/>.</summary>
    public IReadOnlyList<(int Caller, int Callee)> Calls { get; }

    /// <summary>The distinct annotations of every entity.</summary>
    public IReadOnlyList<KeyValuePair<string, AnnotationValue>> Annotations { get; }

    /// <summary>The distinct users the entities recorded.</summary>
    public IReadOnlyList<string> Users { get; }

    /// <summary>The distinct Availability Zones of the entities.</summary>
    public IReadOnlyList<string> AvailabilityZones { get; }

    /// <summary>The distinct EC2 instance ids of the entities.</summary>
    public IReadOnlyList<string> InstanceIds { get; }

    /// <summary>The distinct resource ARNs of the entities.</summary>
    public IReadOnlyList<string> ResourceArns { get; }

    /// <summary>Every entity, as a document of another part may name it as its parent.</summary>
    public IReadOnlyList<TraceFactsLink> Links { get; init; } = [];

    /// <summary>The segments whose parent is not among the documents: the parent's id folded to 32 bits, and the index of the segment's service.</summary>
    public IReadOnlyList<(uint ParentId, int Service)> Unlinked { get; init; } = [];

    /// <summary>The independent subsegments whose parent is not among the documents.</summary>
    public IReadOnlyList<TraceFactsOrphan> Orphans { get; init; } = [];

    /// <summary>Whether some entity is in progress, or an independent subsegment's parent is not among the documents (a trace summary's <c>IsPartial</c>).</summary>
    public bool IsPartial => Flags.HasFlag(TraceFactsFlags.InProgress) || Orphans.Count > 0;

    /// <summary>How far the facts can stand for the whole trace.</summary>
    public TraceFactsCertainty Certainty =>
        (Flags & (TraceFactsFlags.Superseded | TraceFactsFlags.Incomplete)) != 0 ? TraceFactsCertainty.Uncertain
        : Unlinked.Count == 0 && Orphans.Count == 0 ? TraceFactsCertainty.Exact
        : Flags.HasFlag(TraceFactsFlags.RootWithoutParent) ? TraceFactsCertainty.LinksUnknown
        : TraceFactsCertainty.Uncertain;

    /// <summary>The facts of an assembled trace (or of the part of it one batch held); <paramref name="indexed"/> says whether it gets a trace summary.</summary>
    public static TraceFacts From(AssembledTrace trace, bool indexed)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var services = trace.Services.Select(s => s.Id).ToList();
        var indexOf = new Dictionary<TraceService, int>(trace.Services.Count, ReferenceEqualityComparer.Instance);
        for (var i = 0; i < trace.Services.Count; i++)
        {
            indexOf[trace.Services[i]] = i;
        }

        int Index(TraceService? service) => service is null ? -1 : indexOf.GetValueOrDefault(service, -1);
        var start = double.MaxValue;
        var end = double.MinValue;
        var throttle = false;
        var inProgress = false;
        var users = new List<string>();
        var zones = new List<string>();
        var instances = new List<string>();
        var resources = new List<string>();
        var annotations = new List<KeyValuePair<string, AnnotationValue>>();
        var links = new List<TraceFactsLink>();
        var incomplete = false;
        var unlinked = new List<(uint, int)>();
        foreach (var entity in trace.Entities)
        {
            start = Math.Min(start, entity.StartTime);
            end = Math.Max(end, entity.EndTime ?? entity.StartTime);
            throttle |= entity.Throttle;
            inProgress |= entity.InProgress;
            AddDistinct(users, entity.User);
            AddDistinct(zones, entity.AvailabilityZone);
            AddDistinct(instances, entity.InstanceId);
            AddDistinct(resources, entity.ResourceArn);
            foreach (var annotation in entity.Annotations)
            {
                if (!annotations.Contains(annotation))
                {
                    annotations.Add(annotation);
                }
            }

            var service = Index(entity.Service);
            var isSegment = entity.Kind == TraceEntityKind.Segment;
            // An orphan stands for the service inferred from it; a document naming it as its parent replaces that service.
            var inferredBy = entity.InferredService ?? (entity.Parent is null && !isSegment && entity.IsRemote && entity.DownstreamSegments.Count == 0 ? entity.Service : null);
            var inferredService = Index(inferredBy);
            if (service <= TraceFactsLink.MaxService && inferredService <= TraceFactsLink.MaxService)
            {
                links.Add(new TraceFactsLink(ShortId(entity.Id), service, inferredService, isSegment || entity.Parent is null));
            }
            else
            {
                // A trace of more services than a link can name: its links are not all kept, so it is read whole when it matters.
                incomplete = true;
            }
            if (isSegment && entity.ParentId is { } parent && entity.Caller is null && !IsParentInTrace(trace, parent))
            {
                unlinked.Add((ShortId(parent), service));
            }
        }

        var orphans = new List<TraceFactsOrphan>();
        foreach (var orphan in trace.Orphans)
        {
            var service = Index(orphan.Service);
            if (orphan.ParentId is { } parent && service >= 0)
            {
                orphans.Add(new TraceFactsOrphan(ShortId(parent), service, orphan.IsRemote && orphan.DownstreamSegments.Count == 0));
            }
        }

        if (trace.Entities.Count == 0)
        {
            (start, end) = (0, 0);
        }

        var root = trace.Root;
        var flags = TraceFactsFlags.None;
        flags |= root is not null ? TraceFactsFlags.HasRoot : 0;
        flags |= root is { ParentId: null } ? TraceFactsFlags.RootWithoutParent : 0;
        flags |= root is { Ok: true } ? TraceFactsFlags.RootOk : 0;
        flags |= trace.HasFault ? TraceFactsFlags.Fault : 0;
        flags |= trace.HasError ? TraceFactsFlags.Error : 0;
        flags |= throttle ? TraceFactsFlags.Throttle : 0;
        flags |= inProgress ? TraceFactsFlags.InProgress : 0;
        flags |= indexed ? TraceFactsFlags.Indexed : 0;
        flags |= incomplete ? TraceFactsFlags.Incomplete : 0;
        var calls = new List<(int, int)>();
        foreach (var call in trace.Calls)
        {
            var pair = (Index(call.Caller), Index(call.Callee));
            if (!calls.Contains(pair))
            {
                calls.Add(pair);
            }
        }

        return new TraceFacts(trace.Id, start, end, flags, root?.ResponseTime, root?.Http is { IsEmpty: false } http ? http : null, services, [.. trace.Services.Select(s => s.Inferred)], calls, annotations, users, zones, instances, resources)
        {
            RootStart = root?.StartTime ?? start,
            Links = links,
            Unlinked = unlinked,
            Orphans = orphans,
        };
    }

    /// <summary>The facts of two parts of one trace (stored in different batches) together; <see cref="Resolve"/> then links their calls.</summary>
    public static TraceFacts Merge(TraceFacts first, TraceFacts second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        // The root is the earliest segment with no parent (as assembling finds it), else the earliest caller-less one.
        var rootFrom = !second.Flags.HasFlag(TraceFactsFlags.HasRoot) ? first
            : !first.Flags.HasFlag(TraceFactsFlags.HasRoot) ? second
            : first.Flags.HasFlag(TraceFactsFlags.RootWithoutParent) != second.Flags.HasFlag(TraceFactsFlags.RootWithoutParent)
                ? (first.Flags.HasFlag(TraceFactsFlags.RootWithoutParent) ? first : second)
                : (second.RootStart < first.RootStart ? second : first);
        const TraceFactsFlags RootFlags = TraceFactsFlags.HasRoot | TraceFactsFlags.RootWithoutParent | TraceFactsFlags.RootOk | TraceFactsFlags.Fault | TraceFactsFlags.Error;
        const TraceFactsFlags AnyFlags = TraceFactsFlags.Throttle | TraceFactsFlags.InProgress | TraceFactsFlags.Indexed | TraceFactsFlags.Superseded | TraceFactsFlags.Incomplete;
        var flags = (rootFrom.Flags & RootFlags) | ((first.Flags | second.Flags) & AnyFlags);
        var documents = first.Links.Concat(second.Links).Where(l => l.Document).Select(l => l.Id).ToList();
        if (documents.Distinct().Count() != documents.Count)
        {
            // A segment stored again (an in-progress one completed, say): which version is the latest is for assembling to say.
            flags |= TraceFactsFlags.Superseded;
        }

        var services = first.Services.ToList();
        var inferred = first.Inferred.ToList();
        var map = new int[second.Services.Count];
        for (var i = 0; i < second.Services.Count; i++)
        {
            var at = services.IndexOf(second.Services[i]);
            if (at < 0)
            {
                services.Add(second.Services[i]);
                inferred.Add(second.Inferred[i]);
                at = services.Count - 1;
            }

            map[i] = at;
        }

        var calls = first.Calls.ToList();
        foreach (var (caller, callee) in second.Calls)
        {
            if (!calls.Contains((map[caller], map[callee])))
            {
                calls.Add((map[caller], map[callee]));
            }
        }

        int Map(int index) => index < 0 ? index : map[index];
        return new TraceFacts(
            first.Id,
            Math.Min(first.StartTime, second.StartTime),
            Math.Max(first.EndTime, second.EndTime),
            flags,
            rootFrom.ResponseTime,
            rootFrom.Http,
            services,
            inferred,
            calls,
            [.. first.Annotations.Union(second.Annotations)],
            [.. first.Users.Union(second.Users, StringComparer.Ordinal)],
            [.. first.AvailabilityZones.Union(second.AvailabilityZones, StringComparer.Ordinal)],
            [.. first.InstanceIds.Union(second.InstanceIds, StringComparer.Ordinal)],
            [.. first.ResourceArns.Union(second.ResourceArns, StringComparer.Ordinal)])
        {
            RootStart = rootFrom.RootStart,
            Links = [.. first.Links, .. second.Links.Select(l => l.WithServices(Map(l.Service), Map(l.Inferred)))],
            Unlinked = [.. first.Unlinked, .. second.Unlinked.Select(u => (u.ParentId, Map(u.Service)))],
            Orphans = [.. first.Orphans, .. second.Orphans.Select(o => o with { Service = Map(o.Service) })],
        };
    }

    /// <summary>
    /// These facts with each document whose parent another part holds linked to it, as assembling links it. An independent
    /// subsegment joins its parent's service: its calls are that service's, and the service it stood for alone goes (unless, as an
    /// <c>aws</c>/<c>remote</c> subsegment, it still infers it: then it is a call from the parent's service). A segment is a call from
    /// its parent's service, in place of the service inferred from a parent subsegment (which stays while another subsegment still
    /// infers it). A segment whose parent is in no part is left without a caller, as assembling the same documents leaves it; an
    /// independent subsegment whose parent is in no part stays in <see cref="Orphans"/>. Made once every part is merged.
    /// </summary>
    public TraceFacts Resolve()
    {
        if (Unlinked.Count == 0 && Orphans.Count == 0)
        {
            return this;
        }

        var byId = new Dictionary<uint, TraceFactsLink>(Links.Count);
        foreach (var link in Links)
        {
            byId.TryAdd(link.Id, link);
        }

        // Each orphan's service, as a caller, becomes its parent's (followed through orphans under orphans).
        var callerOf = Enumerable.Range(0, Services.Count).ToArray();
        var drop = new HashSet<int>();
        var calls = Calls.ToList();
        var orphans = new List<TraceFactsOrphan>();
        foreach (var orphan in Orphans)
        {
            if (!byId.TryGetValue(orphan.ParentId, out var parent) || parent.Service < 0)
            {
                orphans.Add(orphan);
                continue;
            }

            callerOf[orphan.Service] = parent.Service;
            if (orphan.Inferred)
            {
                calls.Add((parent.Service, orphan.Service));
            }
            else
            {
                drop.Add(orphan.Service);
            }
        }

        int Caller(int service)
        {
            for (var hops = 0; hops < callerOf.Length && callerOf[service] != service; hops++)
            {
                service = callerOf[service];
            }

            return service;
        }

        calls = [.. calls.Select(c => (Caller(c.Caller), c.Callee)).Where(c => c.Item1 != c.Callee).Distinct()];
        var consumed = new List<TraceFactsLink>();
        var unresolved = new List<(uint ParentId, int Service)>();
        foreach (var (parentId, service) in Unlinked)
        {
            if (!byId.TryGetValue(parentId, out var link) || service < 0 || link.Service < 0)
            {
                // No part holds the parent: assembled, the segment has no caller either.
                continue;
            }

            var caller = Caller(link.Service);
            if (caller != service && !calls.Contains((caller, service)))
            {
                calls.Add((caller, service));
            }

            if (link.Inferred >= 0)
            {
                consumed.Add(link);
            }
        }

        var inferring = Links.Where(l => l.Inferred >= 0).Except(consumed).ToList();
        foreach (var link in consumed)
        {
            if (!inferring.Any(l => Caller(l.Service) == Caller(link.Service) && l.Inferred == link.Inferred))
            {
                calls.Remove((Caller(link.Service), link.Inferred));
            }

            if (Inferred[link.Inferred] && !inferring.Any(l => l.Inferred == link.Inferred))
            {
                drop.Add(link.Inferred);
            }
        }

        drop.RemoveWhere(d => calls.Any(c => c.Caller == d || c.Callee == d) || orphans.Any(o => o.Service == d));
        var map = new int[Services.Count];
        var services = new List<ServiceId>(Services.Count);
        var inferred = new List<bool>(Services.Count);
        for (var i = 0; i < Services.Count; i++)
        {
            map[i] = drop.Contains(i) ? -1 : services.Count;
            if (map[i] >= 0)
            {
                services.Add(Services[i]);
                inferred.Add(Inferred[i]);
            }
        }

        return new TraceFacts(Id, StartTime, EndTime, Flags, ResponseTime, Http, services, inferred, [.. calls.Select(c => (map[c.Caller], map[c.Callee]))], Annotations, Users, AvailabilityZones, InstanceIds, ResourceArns)
        {
            RootStart = RootStart,
            Orphans = [.. orphans.Select(o => o with { Service = map[o.Service] })],
        };
    }

    /// <summary>An entity id (16 hexadecimal digits) folded to 32 bits, its two halves combined; of another text (never stored: ids are validated at ingest), a hash of it.</summary>
    private static uint ShortId(string id) =>
        ulong.TryParse(id, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ? (uint)(value ^ (value >> 32)) : (uint)StringComparer.Ordinal.GetHashCode(id);

    /// <summary>Whether a segment whose parent is not linked as its caller (its parent is in its own segment) still finds that parent among the trace's entities.</summary>
    private static bool IsParentInTrace(AssembledTrace trace, string parentId) =>
        trace.Entities.Any(e => string.Equals(e.Id, parentId, StringComparison.Ordinal));

    private static void AddDistinct(List<string> values, string? value)
    {
        if (value is not null && !values.Contains(value, StringComparer.Ordinal))
        {
            values.Add(value);
        }
    }
}
