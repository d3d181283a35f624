using System.Globalization;
using System.Runtime.InteropServices;

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
    // The lists a range's traces are tested and tallied by, by the million, are kept as arrays or lists: read through spans, not
    // through an interface call per element (a call site meeting several list types resolves each call by a lookup). Arrays (read
    // facts) and lists (facts made at ingest) are kept as given, so ingest copies nothing; other lists are copied once.
    private readonly IReadOnlyList<ServiceId> _services;
    private readonly IReadOnlyList<bool> _inferred;
    private readonly IReadOnlyList<(int Caller, int Callee)> _calls;
    private readonly IReadOnlyList<KeyValuePair<string, AnnotationValue>> _annotations;
    private readonly IReadOnlyList<TraceFactsRequest> _requests = [];
    private readonly IReadOnlyList<TraceFactsCall> _callRequests = [];

    /// <summary>Creates facts; <see cref="From"/>, <see cref="Merge"/> and <see cref="Resolve"/> are the usual ways.</summary>
    public TraceFacts(string id, double startTime, double endTime, TraceFactsFlags flags, double? responseTime, TraceHttp? http, IReadOnlyList<ServiceId> services, IReadOnlyList<bool> inferred, IReadOnlyList<(int Caller, int Callee)> calls, IReadOnlyList<KeyValuePair<string, AnnotationValue>> annotations, IReadOnlyList<string> users, IReadOnlyList<string> availabilityZones, IReadOnlyList<string> instanceIds, IReadOnlyList<string> resourceArns)
    {
        Id = id;
        StartTime = startTime;
        EndTime = endTime;
        Flags = flags;
        ResponseTime = responseTime;
        Http = http;
        _services = Kept(services);
        _inferred = Kept(inferred);
        _calls = Kept(calls);
        _annotations = Kept(annotations);
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
    public IReadOnlyList<ServiceId> Services => _services;

    /// <summary>For each of <see cref="Services"/>, whether it is inferred.</summary>
    public IReadOnlyList<bool> Inferred => _inferred;

    /// <summary>The calls between services, as indexes into <see cref="Services"/>.</summary>
    public IReadOnlyList<(int Caller, int Callee)> Calls => _calls;

    /// <summary>The distinct annotations of every entity.</summary>
    public IReadOnlyList<KeyValuePair<string, AnnotationValue>> Annotations => _annotations;

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

    /// <summary>The segments whose parent is not among the documents.</summary>
    public IReadOnlyList<TraceFactsUnlinked> Unlinked { get; init; } = [];

    /// <summary>The independent subsegments whose parent is not among the documents.</summary>
    public IReadOnlyList<TraceFactsOrphan> Orphans { get; init; } = [];

    /// <summary>The requests each service served: its segments, or for an inferred service the subsegments that called it.</summary>
    public IReadOnlyList<TraceFactsRequest> Requests { get => _requests; init => _requests = Kept(value); }

    /// <summary>The calls between services, each with the request that describes it (one per call, where <see cref="Calls"/> has one per pair of services).</summary>
    public IReadOnlyList<TraceFactsCall> CallRequests { get => _callRequests; init => _callRequests = Kept(value); }

    /// <summary><see cref="Services"/>, for loops over many traces.</summary>
    internal ReadOnlySpan<ServiceId> ServicesSpan => SpanOf(_services);

    /// <summary><see cref="Inferred"/>, for loops over many traces.</summary>
    internal ReadOnlySpan<bool> InferredSpan => SpanOf(_inferred);

    /// <summary><see cref="Calls"/>, for loops over many traces.</summary>
    internal ReadOnlySpan<(int Caller, int Callee)> CallsSpan => SpanOf(_calls);

    /// <summary><see cref="Annotations"/>, for loops over many traces.</summary>
    internal ReadOnlySpan<KeyValuePair<string, AnnotationValue>> AnnotationsSpan => SpanOf(_annotations);

    /// <summary><see cref="Requests"/>, for loops over many traces.</summary>
    internal ReadOnlySpan<TraceFactsRequest> RequestsSpan => SpanOf(_requests);

    /// <summary><see cref="CallRequests"/>, for loops over many traces.</summary>
    internal ReadOnlySpan<TraceFactsCall> CallRequestsSpan => SpanOf(_callRequests);

    /// <summary>Whether <see cref="Requests"/> and <see cref="CallRequests"/> were kept (not for facts stored before they were).</summary>
    public bool HasRequests { get; init; } = true;

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
        var linkOf = new Dictionary<TraceEntity, int>(trace.Entities.Count, ReferenceEqualityComparer.Instance);
        var incomplete = false;
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
                linkOf[entity] = links.Count;
                links.Add(new TraceFactsLink(ShortId(entity.Id), service, inferredService, isSegment || entity.Parent is null));
            }
            else
            {
                // A trace of more services than a link can name: its links are not all kept, so it is read whole when it matters.
                incomplete = true;
            }
        }

        var (requests, requestOf) = RequestsOf(trace, linkOf);
        var unlinked = new List<TraceFactsUnlinked>();
        foreach (var entity in trace.Entities)
        {
            if (entity.Kind == TraceEntityKind.Segment && entity.ParentId is { } parent && entity.Caller is null && !IsParentInTrace(trace, parent))
            {
                unlinked.Add(new TraceFactsUnlinked(ShortId(parent), Index(entity.Service), requestOf.GetValueOrDefault(entity, -1)));
            }
        }

        var orphans = new List<TraceFactsOrphan>();
        foreach (var orphan in trace.Orphans)
        {
            var service = Index(orphan.Service);
            if (orphan.ParentId is { } parent && service >= 0)
            {
                orphans.Add(new TraceFactsOrphan(ShortId(parent), service, orphan.IsRemote && orphan.DownstreamSegments.Count == 0, requestOf.GetValueOrDefault(orphan, -1)));
            }
        }

        var callRequests = new List<TraceFactsCall>(trace.Calls.Count);
        foreach (var call in trace.Calls)
        {
            if (Index(call.Caller) is var caller and >= 0 and <= TraceFactsLink.MaxService && requestOf.TryGetValue(call.Entity, out var request))
            {
                callRequests.Add(new TraceFactsCall(caller, request));
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
            Requests = requests,
            CallRequests = callRequests,
        };
    }

    /// <summary>The requests of a trace's services (of services a request can name: a trace of more is flagged incomplete), and each entity's request.</summary>
    private static (List<TraceFactsRequest> Requests, Dictionary<TraceEntity, int> RequestOf) RequestsOf(AssembledTrace trace, Dictionary<TraceEntity, int> linkOf)
    {
        var requests = new List<TraceFactsRequest>(trace.Entities.Count);
        var requestOf = new Dictionary<TraceEntity, int>(ReferenceEqualityComparer.Instance);
        for (var service = 0; service < trace.Services.Count && service <= TraceFactsLink.MaxService; service++)
        {
            foreach (var entity in trace.Services[service].Entities)
            {
                var flags = TraceFactsRequestFlags.None;
                flags |= entity.Error ? TraceFactsRequestFlags.Error : 0;
                flags |= entity.Fault ? TraceFactsRequestFlags.Fault : 0;
                flags |= entity.Throttle ? TraceFactsRequestFlags.Throttle : 0;
                flags |= entity.InProgress ? TraceFactsRequestFlags.InProgress : 0;
                var isSegment = entity.Kind == TraceEntityKind.Segment;
                flags |= isSegment && entity.Caller is null ? TraceFactsRequestFlags.NoCaller : 0;
                flags |= isSegment && entity.ParentId is not null ? TraceFactsRequestFlags.HasParent : 0;
                if (requestOf.TryAdd(entity, requests.Count))
                {
                    requests.Add(new TraceFactsRequest(service, linkOf.GetValueOrDefault(entity, -1), flags, entity.ResponseTime));
                }
            }
        }

        return (requests, requestOf);
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
        static int Offset(int index, int by) => index < 0 ? index : index + by;
        var (requests, linkCount) = (first.Requests.Count, first.Links.Count);
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
            Unlinked = [.. first.Unlinked, .. second.Unlinked.Select(u => u with { Service = Map(u.Service), Request = Offset(u.Request, requests) })],
            Orphans = [.. first.Orphans, .. second.Orphans.Select(o => o with { Service = Map(o.Service), Request = Offset(o.Request, requests) })],
            Requests = [.. first.Requests, .. second.Requests.Select(r => r.With(Map(r.Service), Offset(r.Link, linkCount)))],
            CallRequests = [.. first.CallRequests, .. second.CallRequests.Select(c => new TraceFactsCall(Map(c.Caller), c.Request + requests))],
            HasRequests = first.HasRequests && second.HasRequests,
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

        var byId = new Dictionary<uint, int>(Links.Count);
        for (var i = 0; i < Links.Count; i++)
        {
            byId.TryAdd(Links[i].Id, i);
        }

        var requests = Requests.ToArray();
        var removed = new bool[requests.Length];
        var callRequests = CallRequests.ToList();

        // Each orphan's service, as a caller, becomes its parent's (followed through orphans under orphans).
        var callerOf = Enumerable.Range(0, Services.Count).ToArray();
        var drop = new HashSet<int>();
        var calls = Calls.ToList();
        var orphans = new List<TraceFactsOrphan>();
        foreach (var orphan in Orphans)
        {
            if (!byId.TryGetValue(orphan.ParentId, out var at) || Links[at].Service < 0)
            {
                orphans.Add(orphan);
                continue;
            }

            var parent = Links[at];
            callerOf[orphan.Service] = parent.Service;
            if (orphan.Inferred)
            {
                // Under its parent it still calls the service inferred from it: a call from the parent's service.
                calls.Add((parent.Service, orphan.Service));
                AddCall(callRequests, parent.Service, orphan.Request);
            }
            else
            {
                // Under its parent it is a subsegment of the parent's segment, not a request of a service of its own.
                drop.Add(orphan.Service);
                Remove(removed, orphan.Request);
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
        callRequests = [.. callRequests.Select(c => c with { Caller = Caller(c.Caller) }).Where(c => c.Caller != requests[c.Request].Service)];
        var requestOfLink = new Dictionary<int, int>(requests.Length);
        for (var i = 0; i < requests.Length; i++)
        {
            if (requests[i].Link >= 0)
            {
                requestOfLink.TryAdd(requests[i].Link, i);
            }
        }

        var consumed = new List<TraceFactsLink>();
        foreach (var unlinked in Unlinked)
        {
            if (!byId.TryGetValue(unlinked.ParentId, out var at) || unlinked.Service < 0 || Links[at].Service < 0)
            {
                // No part holds the parent: assembled, the segment has no caller either.
                continue;
            }

            var link = Links[at];
            var caller = Caller(link.Service);
            if (caller != unlinked.Service && !calls.Contains((caller, unlinked.Service)))
            {
                calls.Add((caller, unlinked.Service));
            }

            if (unlinked.Request >= 0)
            {
                // The segment now has a caller: the call is described by it, and its service is no longer entered there.
                requests[unlinked.Request] = requests[unlinked.Request].With(requests[unlinked.Request].Flags & ~TraceFactsRequestFlags.NoCaller);
                if (caller != unlinked.Service)
                {
                    AddCall(callRequests, caller, unlinked.Request);
                }
            }

            if (link.Inferred >= 0)
            {
                consumed.Add(link);
                if (requestOfLink.TryGetValue(at, out var inferring) && requests[inferring].Service == link.Inferred)
                {
                    // The parent subsegment called a segment after all: it no longer stands for an inferred service's request.
                    removed[inferring] = true;
                }
            }
        }

        var inferringLinks = Links.Where(l => l.Inferred >= 0).Except(consumed).ToList();
        foreach (var link in consumed)
        {
            if (!inferringLinks.Any(l => Caller(l.Service) == Caller(link.Service) && l.Inferred == link.Inferred))
            {
                calls.Remove((Caller(link.Service), link.Inferred));
            }

            if (Inferred[link.Inferred] && !inferringLinks.Any(l => l.Inferred == link.Inferred))
            {
                drop.Add(link.Inferred);
            }
        }

        var served = new HashSet<int>(Enumerable.Range(0, requests.Length).Where(i => !removed[i]).Select(i => requests[i].Service));
        drop.RemoveWhere(d => calls.Any(c => c.Caller == d || c.Callee == d) || orphans.Any(o => o.Service == d) || served.Contains(d));
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

        var requestMap = new int[requests.Length];
        var kept = new List<TraceFactsRequest>(requests.Length);
        for (var i = 0; i < requests.Length; i++)
        {
            requestMap[i] = removed[i] ? -1 : kept.Count;
            if (!removed[i])
            {
                kept.Add(requests[i].With(map[requests[i].Service], -1));
            }
        }

        int MapRequest(int request) => request < 0 ? request : requestMap[request];
        return new TraceFacts(Id, StartTime, EndTime, Flags, ResponseTime, Http, services, inferred, [.. calls.Select(c => (map[c.Caller], map[c.Callee]))], Annotations, Users, AvailabilityZones, InstanceIds, ResourceArns)
        {
            RootStart = RootStart,
            Orphans = [.. orphans.Select(o => o with { Service = map[o.Service], Request = MapRequest(o.Request) })],
            Requests = kept,
            CallRequests = [.. callRequests.Where(c => requestMap[c.Request] >= 0).Select(c => new TraceFactsCall(map[c.Caller], requestMap[c.Request])).Distinct()],
            HasRequests = HasRequests,
        };
    }

    private static void AddCall(List<TraceFactsCall> calls, int caller, int request)
    {
        if (request >= 0)
        {
            calls.Add(new TraceFactsCall(caller, request));
        }
    }

    private static void Remove(bool[] removed, int request)
    {
        if (request >= 0)
        {
            removed[request] = true;
        }
    }

    /// <summary>The list itself when it is an array (as read facts' lists are) or a list (as facts made at ingest have), else an array copy of it.</summary>
    private static IReadOnlyList<T> Kept<T>(IReadOnlyList<T> list) => list is T[] or List<T> ? list : list.ToArray();

    /// <summary>A list <see cref="Kept"/> made, as a span.</summary>
    private static ReadOnlySpan<T> SpanOf<T>(IReadOnlyList<T> list) => list is T[] array ? array : CollectionsMarshal.AsSpan((List<T>)list);

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
