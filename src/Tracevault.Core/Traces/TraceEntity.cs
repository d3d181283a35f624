namespace Tracevault.Core.Traces;

/// <summary>A segment or subsegment of an assembled trace, linked to its parent, children and callers.</summary>
/// <remarks>Built by <see cref="TraceAssembler"/>; immutable once the assembled trace is returned.</remarks>
public sealed class TraceEntity
{
    private readonly List<TraceEntity> _subsegments = [];
    private readonly List<TraceEntity> _downstreamSegments = [];

    internal TraceEntity(string id, string name, TraceEntityKind kind)
    {
        Id = id;
        Name = name;
        Kind = kind;
    }

    /// <summary>The entity's id, in lowercase.</summary>
    public string Id { get; }

    /// <summary>The entity's name.</summary>
    public string Name { get; }

    /// <summary>Whether the entity is a segment or a subsegment.</summary>
    public TraceEntityKind Kind { get; }

    /// <summary>The <c>parent_id</c> the document gave, in lowercase: a segment's upstream caller or an independent subsegment's container.</summary>
    public string? ParentId { get; internal set; }

    /// <summary>The start time in epoch seconds.</summary>
    public double StartTime { get; internal set; }

    /// <summary>The end time in epoch seconds, or <see langword="null"/> while in progress.</summary>
    public double? EndTime { get; internal set; }

    /// <summary>Whether the entity is still in progress.</summary>
    public bool InProgress => EndTime is null;

    /// <summary>The time from start to end in seconds, or <see langword="null"/> while in progress.</summary>
    public double? ResponseTime => EndTime is { } end ? EpochSeconds.Elapsed(StartTime, end) : null;

    /// <summary>The subsegment's <c>namespace</c>: <c>aws</c>, <c>remote</c> or <see langword="null"/>.</summary>
    public string? Namespace { get; internal set; }

    /// <summary>The segment's <c>origin</c>, e.g. <c>AWS::EC2::Instance</c>.</summary>
    public string? Origin { get; internal set; }

    /// <summary>Whether the entity recorded a client error: the <c>error</c> flag, a throttle, or a 4xx status.</summary>
    public bool Error { get; internal set; }

    /// <summary>Whether the entity recorded a server fault: the <c>fault</c> flag or a 5xx status.</summary>
    public bool Fault { get; internal set; }

    /// <summary>Whether the entity was throttled: the <c>throttle</c> flag or status 429.</summary>
    public bool Throttle { get; internal set; }

    /// <summary>Whether the entity succeeded: no error, throttle or fault.</summary>
    public bool Ok => !Error && !Fault && !Throttle;

    /// <summary>The HTTP request and response the entity recorded, if any.</summary>
    public TraceHttp? Http { get; internal set; }

    /// <summary>The segment's <c>user</c>.</summary>
    public string? User { get; internal set; }

    /// <summary>The <c>aws.account_id</c>.</summary>
    public string? AccountId { get; internal set; }

    /// <summary>The segment's <c>resource_arn</c>.</summary>
    public string? ResourceArn { get; internal set; }

    /// <summary>The <c>aws.ec2.instance_id</c>.</summary>
    public string? InstanceId { get; internal set; }

    /// <summary>The <c>aws.ec2.availability_zone</c>.</summary>
    public string? AvailabilityZone { get; internal set; }

    /// <summary>The annotations the entity itself recorded, in document order.</summary>
    public IReadOnlyList<KeyValuePair<string, AnnotationValue>> Annotations { get; internal set; } = [];

    /// <summary>The exceptions of the entity's <c>cause</c>.</summary>
    public IReadOnlyList<RootCauseException> Exceptions { get; internal set; } = [];

    /// <summary>The entity's subsegments, nested or joined from independent subsegment documents.</summary>
    public IReadOnlyList<TraceEntity> Subsegments => _subsegments;

    /// <summary>The segments whose <c>parent_id</c> names this entity: calls it made to instrumented services.</summary>
    public IReadOnlyList<TraceEntity> DownstreamSegments => _downstreamSegments;

    /// <summary>The entity containing this subsegment, or <see langword="null"/> for a segment or an orphaned subsegment.</summary>
    public TraceEntity? Parent { get; private set; }

    /// <summary>The segment this entity belongs to (itself for a segment), or <see langword="null"/> for an orphaned subsegment.</summary>
    public TraceEntity? Segment
    {
        get
        {
            // A loop, not a recursion: a chain of independent subsegments may be deep before assembly bounds it.
            var entity = this;
            while (entity is not null && entity.Kind != TraceEntityKind.Segment)
            {
                entity = entity.Parent;
            }

            return entity;
        }
    }

    /// <summary>The entity a segment's <c>parent_id</c> names, or <see langword="null"/> when it has none in this trace.</summary>
    public TraceEntity? Caller { get; private set; }

    /// <summary>The service this entity's segment belongs to, or for an orphaned subsegment (and what it holds) the service inferred from it.</summary>
    public TraceService? Service
    {
        get
        {
            var top = this;
            while (top.Parent is { } parent)
            {
                top = parent;
            }

            return top.OwnService;
        }
    }

    /// <summary>The service inferred from this <c>aws</c> or <c>remote</c> subsegment, or <see langword="null"/> when it called no uninstrumented service.</summary>
    public TraceService? InferredService { get; internal set; }

    /// <summary>Whether the subsegment calls another service (<c>namespace</c> <c>aws</c> or <c>remote</c>).</summary>
    public bool IsRemote => Namespace is "aws" or "remote";

    internal TraceService? OwnService { get; set; }

    internal string? TableName { get; set; }

    internal string? QueueUrl { get; set; }

    internal string? BucketName { get; set; }

    internal bool HasSql { get; set; }

    internal string? HttpJson { get; set; }

    internal string? AwsJson { get; set; }

    /// <summary>The stored document this entity was read from, for a document's top entity; empty for a nested subsegment.</summary>
    internal ReadOnlyMemory<byte> Document { get; set; }

    /// <summary>Whether the entity is a subsegment sent as its own document.</summary>
    internal bool Independent => Kind == TraceEntityKind.Subsegment && !Document.IsEmpty;

    /// <summary>For a nested subsegment, its index in its parent's <c>subsegments</c> array as stored.</summary>
    internal int SourceIndex { get; set; }

    internal void AddSubsegment(TraceEntity child)
    {
        child.Parent = this;
        _subsegments.Add(child);
    }

    /// <summary>Joins an independent subsegment: placed by start time after the siblings that started no later, where the SDK would have nested it.</summary>
    internal void InsertSubsegment(TraceEntity child)
    {
        var index = _subsegments.Count;
        while (index > 0 && _subsegments[index - 1].StartTime > child.StartTime)
        {
            index--;
        }

        child.Parent = this;
        _subsegments.Insert(index, child);
    }

    internal void RemoveSubsegmentAt(int index)
    {
        _subsegments[index].Parent = null;
        _subsegments.RemoveAt(index);
    }

    internal void ReplaceSubsegment(TraceEntity existing, TraceEntity replacement)
    {
        var index = _subsegments.IndexOf(existing);
        replacement.Parent = this;
        _subsegments[index] = replacement;
        existing.Parent = null;
    }

    internal void AddDownstream(TraceEntity segment)
    {
        segment.Caller = this;
        _downstreamSegments.Add(segment);
    }

    internal void RemoveSubsegment(TraceEntity child)
    {
        _subsegments.Remove(child);
        child.Parent = null;
    }

    internal void RemoveDownstream(TraceEntity segment)
    {
        _downstreamSegments.Remove(segment);
        segment.Caller = null;
    }

    internal bool IsDescendantOf(TraceEntity ancestor)
    {
        for (var entity = Parent; entity is not null; entity = entity.Parent)
        {
            if (ReferenceEquals(entity, ancestor))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Name} ({Id})";
}
