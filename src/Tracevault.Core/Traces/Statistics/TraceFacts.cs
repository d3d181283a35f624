using System.Globalization;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// What a filter expression and the response-time histogram need to know of one trace, kept at ingest beside the statistics so that
/// a page can count every trace of a range without reading its documents: times, the root segment's outcome and HTTP request, the
/// services and calls, annotations, users and resources.
/// </summary>
/// <remarks>
/// Made from the part of a trace one ingest batch held (<see cref="From"/>); the parts of a trace that arrived in several batches are
/// <see cref="Merge"/>d when read. A part is <see cref="SelfContained"/> when every parent its documents name is among them: when
/// every part is, and no segment was stored twice, the merged facts are what assembling all the documents gives
/// (<see cref="TraceFactsCertainty.Exact"/>). Otherwise the calls, the services inferred from calls, and the trace's partial state
/// may differ (<see cref="TraceFactsCertainty.LinksUnknown"/>), or even the root (<see cref="TraceFactsCertainty.Uncertain"/>): those
/// traces are read whole when a filter needs them. Immutable.
/// </remarks>
public sealed class TraceFacts
{
    /// <summary>Creates facts; <see cref="From"/> and <see cref="Merge"/> are the usual ways.</summary>
    public TraceFacts(string id, double startTime, double endTime, TraceFactsFlags flags, double? responseTime, TraceHttp? http, IReadOnlyList<ServiceId> services, IReadOnlyList<bool> inferred, IReadOnlyList<(int Caller, int Callee)> calls, IReadOnlyList<KeyValuePair<string, AnnotationValue>> annotations, IReadOnlyList<string> users, IReadOnlyList<string> availabilityZones, IReadOnlyList<string> instanceIds, IReadOnlyList<string> resourceArns, IReadOnlyList<ulong> segmentIds)
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
        SegmentIds = segmentIds;
    }

    /// <summary>The trace id.</summary>
    public string Id { get; }

    /// <summary>The earliest start of its entities, epoch seconds.</summary>
    public double StartTime { get; }

    /// <summary>The latest end (or, while in progress, start) of its entities, epoch seconds.</summary>
    public double EndTime { get; }

    /// <summary>Seconds from the earliest start to the latest end, as a trace summary's <c>Duration</c>.</summary>
    public double Duration => EpochSeconds.Elapsed(StartTime, EndTime);

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

    /// <summary>The ids of the segment documents (segments and independent subsegments) the facts were made from.</summary>
    public IReadOnlyList<ulong> SegmentIds { get; }

    /// <summary>Whether every part's documents named only parents among themselves (see the remarks).</summary>
    public bool SelfContained => Flags.HasFlag(TraceFactsFlags.SelfContained);

    /// <summary>How far the facts can stand for the whole trace.</summary>
    public TraceFactsCertainty Certainty =>
        Flags.HasFlag(TraceFactsFlags.Superseded) ? TraceFactsCertainty.Uncertain
        : SelfContained ? TraceFactsCertainty.Exact
        : Flags.HasFlag(TraceFactsFlags.RootWithoutParent) ? TraceFactsCertainty.LinksUnknown
        : TraceFactsCertainty.Uncertain;

    /// <summary>The facts of an assembled trace (or of the part of it one batch held); <paramref name="indexed"/> says whether it gets a trace summary.</summary>
    public static TraceFacts From(AssembledTrace trace, bool indexed)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var flags = TraceFactsFlags.None;
        var selfContained = trace.Orphans.Count == 0;
        var start = double.MaxValue;
        var end = double.MinValue;
        var throttle = false;
        var inProgress = false;
        var users = new List<string>();
        var zones = new List<string>();
        var instances = new List<string>();
        var resources = new List<string>();
        var annotations = new List<KeyValuePair<string, AnnotationValue>>();
        var segmentIds = new List<ulong>();
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

            if (entity.Kind == TraceEntityKind.Segment)
            {
                segmentIds.Add(ParseId(entity.Id));
                selfContained &= entity.ParentId is null || entity.Caller is not null || IsParentInTrace(trace, entity);
            }
        }

        foreach (var orphan in trace.Orphans)
        {
            segmentIds.Add(ParseId(orphan.Id));
        }

        if (trace.Entities.Count == 0)
        {
            (start, end) = (0, 0);
        }

        var root = trace.Root;
        flags |= root is not null ? TraceFactsFlags.HasRoot : 0;
        flags |= root is { ParentId: null } ? TraceFactsFlags.RootWithoutParent : 0;
        flags |= root is { Ok: true } ? TraceFactsFlags.RootOk : 0;
        flags |= trace.HasFault ? TraceFactsFlags.Fault : 0;
        flags |= trace.HasError ? TraceFactsFlags.Error : 0;
        flags |= throttle ? TraceFactsFlags.Throttle : 0;
        flags |= inProgress ? TraceFactsFlags.InProgress : 0;
        flags |= trace.IsPartial ? TraceFactsFlags.Partial : 0;
        flags |= selfContained ? TraceFactsFlags.SelfContained : 0;
        flags |= indexed ? TraceFactsFlags.Indexed : 0;
        var services = trace.Services.Select(s => s.Id).ToList();
        var calls = new List<(int, int)>();
        foreach (var call in trace.Calls)
        {
            var pair = (services.IndexOf(call.Caller.Id), services.IndexOf(call.Callee.Id));
            if (pair.Item1 >= 0 && pair.Item2 >= 0 && !calls.Contains(pair))
            {
                calls.Add(pair);
            }
        }

        return new TraceFacts(trace.Id, start, end, flags, root?.ResponseTime, root?.Http is { IsEmpty: false } http ? http : null, services, [.. trace.Services.Select(s => s.Inferred)], calls, annotations, users, zones, instances, resources, segmentIds)
        {
            RootStart = root?.StartTime ?? start,
        };
    }

    /// <summary>The facts of two parts of one trace (stored in different batches) together.</summary>
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
        const TraceFactsFlags AnyFlags = TraceFactsFlags.Throttle | TraceFactsFlags.InProgress | TraceFactsFlags.Partial | TraceFactsFlags.Indexed | TraceFactsFlags.Superseded;
        var flags = (rootFrom.Flags & RootFlags) | ((first.Flags | second.Flags) & AnyFlags);
        var segmentIds = first.SegmentIds.Concat(second.SegmentIds).ToList();
        if (segmentIds.Distinct().Count() != segmentIds.Count)
        {
            // A segment stored again (an in-progress one completed, say): which version is the latest is for assembling to say.
            flags |= TraceFactsFlags.Superseded;
        }

        // Two parts that each hold everything they name may still be linked to one another by a part read later; so the merged
        // trace is self-contained only as far as each part is.
        flags |= first.SelfContained && second.SelfContained ? TraceFactsFlags.SelfContained : 0;
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
            [.. first.ResourceArns.Union(second.ResourceArns, StringComparer.Ordinal)],
            segmentIds)
        {
            RootStart = rootFrom.RootStart,
        };
    }

    /// <summary>The root segment's start (the facts' own start when there is no root), for choosing the root when parts merge.</summary>
    public double RootStart { get; init; }

    /// <summary>A segment id (16 hexadecimal digits) as a number; another text (never stored: ids are validated at ingest) as a hash of it.</summary>
    private static ulong ParseId(string id) =>
        ulong.TryParse(id, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) ? value : (ulong)StringComparer.Ordinal.GetHashCode(id);

    /// <summary>Whether a segment whose parent is not linked as its caller still finds that parent among the trace's documents.</summary>
    private static bool IsParentInTrace(AssembledTrace trace, TraceEntity segment) =>
        trace.Entities.Any(e => string.Equals(e.Id, segment.ParentId, StringComparison.Ordinal));

    private static void AddDistinct(List<string> values, string? value)
    {
        if (value is not null && !values.Contains(value, StringComparer.Ordinal))
        {
            values.Add(value);
        }
    }
}
