namespace Tracevault.Core.Traces;

/// <summary>All stored documents of one trace compiled into linked segments, services and calls.</summary>
/// <remarks>Immutable and safe to share between threads once <see cref="TraceAssembler.Assemble"/> returns it.</remarks>
public sealed class AssembledTrace
{
    private readonly Lazy<IReadOnlyList<TraceSegment>> _segments;
    private readonly Lazy<IReadOnlyList<RootCause>> _faultRootCauses;
    private readonly Lazy<IReadOnlyList<RootCause>> _errorRootCauses;
    private readonly Lazy<IReadOnlyList<RootCause>> _responseTimeRootCauses;

    internal AssembledTrace(
        string id,
        Func<IReadOnlyList<TraceSegment>> segments,
        IReadOnlyList<TraceSegment> storedDocuments,
        IReadOnlyList<TraceEntity> entities,
        TraceEntity? root,
        IReadOnlyList<TraceService> services,
        IReadOnlyList<ServiceCall> calls,
        IReadOnlyList<TraceEntity> orphans,
        long documentBytes,
        int revision)
    {
        Id = id;
        _segments = new Lazy<IReadOnlyList<TraceSegment>>(segments);
        _faultRootCauses = new Lazy<IReadOnlyList<RootCause>>(() => RootCauseFinder.Find(this, e => e.Fault));
        _errorRootCauses = new Lazy<IReadOnlyList<RootCause>>(() => RootCauseFinder.Find(this, e => e.Error));
        _responseTimeRootCauses = new Lazy<IReadOnlyList<RootCause>>(() => RootCauseFinder.FindResponseTime(this));
        StoredDocuments = storedDocuments;
        Entities = entities;
        Root = root;
        Services = services;
        Calls = calls;
        Orphans = orphans;
        DocumentBytes = documentBytes;
        Revision = revision;

        var start = double.MaxValue;
        var lastStart = double.MinValue;
        double? end = null;
        foreach (var entity in entities)
        {
            start = Math.Min(start, entity.StartTime);
            lastStart = Math.Max(lastStart, entity.StartTime);
            if (entity.EndTime is { } entityEnd)
            {
                end = Math.Max(end ?? entityEnd, entityEnd);
            }

            HasThrottle |= entity.Throttle;
            IsPartial |= entity.InProgress;
        }

        // A subsegment whose parent never arrived leaves the trace incomplete, as an in-progress document does.
        IsPartial |= orphans.Count > 0;
        StartTime = entities.Count == 0 ? 0 : start;
        EndTime = end;
        Duration = entities.Count == 0 ? 0 : EpochSeconds.Elapsed(start, Math.Max(end ?? lastStart, lastStart));
        HasFault = root?.Fault ?? false;
        HasError = root?.Error ?? false;
    }

    /// <summary>The trace id.</summary>
    public string Id { get; }

    /// <summary>
    /// The documents to return from <c>BatchGetTraces</c>: one per segment (the latest stored version of each) with every
    /// independent subsegment joined into its parent, each orphaned subsegment as sent, then one inferred segment per inferred
    /// call and per orphan.
    /// </summary>
    /// <remarks>Written when first asked for: summaries and service maps never need them.</remarks>
    public IReadOnlyList<TraceSegment> Segments => _segments.Value;

    /// <summary>The latest stored version of each document id, exactly as sent: independent subsegments on their own, nothing inferred.</summary>
    public IReadOnlyList<TraceSegment> StoredDocuments { get; }

    /// <summary>The independent subsegments whose parent is not in the trace (it never arrived), each with the service inferred from it.</summary>
    public IReadOnlyList<TraceEntity> Orphans { get; }

    /// <summary>Every segment and subsegment, depth first from each top-level document.</summary>
    public IReadOnlyList<TraceEntity> Entities { get; }

    /// <summary>The root segment: the earliest segment with no caller in the trace, or <see langword="null"/> when there is no segment.</summary>
    public TraceEntity? Root { get; }

    /// <summary>The services of the trace, from the entry point downstream.</summary>
    public IReadOnlyList<TraceService> Services { get; }

    /// <summary>The calls between services, one per downstream segment or inferred subsegment.</summary>
    public IReadOnlyList<ServiceCall> Calls { get; }

    /// <summary>The size of the stored documents in UTF-8 bytes.</summary>
    public long DocumentBytes { get; }

    /// <summary>Whether the documents exceed X-Ray's 500 KB trace document limit.</summary>
    public bool LimitExceeded => DocumentBytes > TraceAssembler.MaxTraceDocumentBytes;

    /// <summary>How many documents were stored for the trace, superseded versions included.</summary>
    public int Revision { get; }

    /// <summary>The earliest start time in epoch seconds.</summary>
    public double StartTime { get; }

    /// <summary>The latest end time in epoch seconds, or <see langword="null"/> when nothing has ended.</summary>
    public double? EndTime { get; }

    /// <summary>Seconds from the earliest start to the latest end (or start, while everything is in progress).</summary>
    public double Duration { get; }

    /// <summary>The root segment's response time in seconds, or <see langword="null"/> while it is in progress.</summary>
    public double? ResponseTime => Root?.ResponseTime;

    /// <summary>Whether the root segment faulted (5xx).</summary>
    public bool HasFault { get; }

    /// <summary>Whether the root segment erred (4xx).</summary>
    public bool HasError { get; }

    /// <summary>Whether any segment or subsegment was throttled (429).</summary>
    public bool HasThrottle { get; }

    /// <summary>Whether any segment or subsegment is in progress, or a subsegment's parent never arrived.</summary>
    public bool IsPartial { get; }

    /// <summary>The path to the deepest fault, when the trace has one (worked out once, when first asked for).</summary>
    public IReadOnlyList<RootCause> FaultRootCauses => _faultRootCauses.Value;

    /// <summary>The path to the deepest error, when the trace has one (worked out once, when first asked for).</summary>
    public IReadOnlyList<RootCause> ErrorRootCauses => _errorRootCauses.Value;

    /// <summary>The path to the entity that took the trace's time, once the root segment has ended (worked out once, when first asked for).</summary>
    public IReadOnlyList<RootCause> ResponseTimeRootCauses => _responseTimeRootCauses.Value;
}
