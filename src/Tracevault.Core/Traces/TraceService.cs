namespace Tracevault.Core.Traces;

/// <summary>A service as it appears in one trace: instrumented (its segments) or inferred (the subsegments that called it).</summary>
public sealed class TraceService
{
    private readonly List<TraceEntity> _entities = [];

    internal TraceService(ServiceId id, bool inferred)
    {
        Id = id;
        Inferred = inferred;
    }

    /// <summary>The service's identity.</summary>
    public ServiceId Id { get; }

    /// <summary>Whether the service is inferred from <c>aws</c> or <c>remote</c> subsegments rather than instrumented.</summary>
    public bool Inferred { get; }

    /// <summary>Whether one of the service's segments has no caller in the trace, i.e. it received the request first.</summary>
    public bool Root { get; internal set; }

    /// <summary>The entities describing the service's work: its segments, or for an inferred service the subsegments that called it.</summary>
    public IReadOnlyList<TraceEntity> Entities => _entities;

    internal void Add(TraceEntity entity) => _entities.Add(entity);

    /// <inheritdoc/>
    public override string ToString() => Id.ToString();
}
