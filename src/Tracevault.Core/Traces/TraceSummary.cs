namespace Tracevault.Core.Traces;

/// <summary>What <c>GetTraceSummaries</c> reports about one trace (the model's <c>TraceSummary</c>).</summary>
public sealed record TraceSummary
{
    /// <summary>The trace id.</summary>
    public required string Id { get; init; }

    /// <summary>The earliest segment start time, in epoch seconds.</summary>
    public required double StartTime { get; init; }

    /// <summary>Seconds from the earliest start to the latest end.</summary>
    public required double Duration { get; init; }

    /// <summary>The root segment's response time in seconds, or <see langword="null"/> while it is in progress.</summary>
    public double? ResponseTime { get; init; }

    /// <summary>Whether the root segment faulted (5xx).</summary>
    public required bool HasFault { get; init; }

    /// <summary>Whether the root segment erred (4xx).</summary>
    public required bool HasError { get; init; }

    /// <summary>Whether any segment document was throttled (429).</summary>
    public required bool HasThrottle { get; init; }

    /// <summary>Whether any segment document is in progress, or a subsegment's parent never arrived.</summary>
    public required bool IsPartial { get; init; }

    /// <summary>The HTTP request the root segment served, or <see langword="null"/> when it recorded none.</summary>
    public TraceHttp? Http { get; init; }

    /// <summary>Each annotation key with its distinct values and the services that recorded them, in the order they were met.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ValueWithServiceIds>> Annotations { get; init; } =
        new Dictionary<string, IReadOnlyList<ValueWithServiceIds>>();

    /// <summary>The users the segments recorded.</summary>
    public IReadOnlyList<TraceUser> Users { get; init; } = [];

    /// <summary>Every service in the trace, inferred ones included, from the entry point downstream.</summary>
    public IReadOnlyList<ServiceId> ServiceIds { get; init; } = [];

    /// <summary>The distinct <c>resource_arn</c> values of the segments.</summary>
    public IReadOnlyList<string> ResourceARNs { get; init; } = [];

    /// <summary>The distinct EC2 instance ids of the segments.</summary>
    public IReadOnlyList<string> InstanceIds { get; init; } = [];

    /// <summary>The distinct Availability Zones of the segments.</summary>
    public IReadOnlyList<string> AvailabilityZones { get; init; } = [];

    /// <summary>The service of the root segment.</summary>
    public ServiceId? EntryPoint { get; init; }

    /// <summary>The path to the deepest fault, when the trace has one.</summary>
    public IReadOnlyList<RootCause> FaultRootCauses { get; init; } = [];

    /// <summary>The path to the deepest error, when the trace has one.</summary>
    public IReadOnlyList<RootCause> ErrorRootCauses { get; init; } = [];

    /// <summary>The path to the entity that took the trace's time, once the root segment has ended.</summary>
    public IReadOnlyList<RootCause> ResponseTimeRootCauses { get; init; } = [];

    /// <summary>How many documents were stored for the trace, superseded versions included.</summary>
    public int Revision { get; init; }

    /// <summary>The time of the event a filter matched, in epoch seconds, when the caller sets one.</summary>
    public double? MatchedEventTime { get; init; }

    /// <summary>Summarises an assembled trace.</summary>
    public static TraceSummary From(AssembledTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        return new TraceSummary
        {
            Id = trace.Id,
            StartTime = trace.StartTime,
            Duration = trace.Duration,
            ResponseTime = trace.ResponseTime,
            HasFault = trace.HasFault,
            HasError = trace.HasError,
            HasThrottle = trace.HasThrottle,
            IsPartial = trace.IsPartial,
            Http = trace.Root?.Http,
            Annotations = CollectAnnotations(trace),
            Users = CollectUsers(trace),
            ServiceIds = [.. trace.Services.Select(s => s.Id)],
            ResourceARNs = Distinct(trace, e => e.ResourceArn),
            InstanceIds = Distinct(trace, e => e.InstanceId),
            AvailabilityZones = Distinct(trace, e => e.AvailabilityZone),
            EntryPoint = trace.Root?.Service?.Id,
            FaultRootCauses = trace.FaultRootCauses,
            ErrorRootCauses = trace.ErrorRootCauses,
            ResponseTimeRootCauses = trace.ResponseTimeRootCauses,
            Revision = trace.Revision,
        };
    }

    private static Dictionary<string, IReadOnlyList<ValueWithServiceIds>> CollectAnnotations(AssembledTrace trace)
    {
        var byKey = new Dictionary<string, List<(AnnotationValue Value, List<ServiceId> Services)>>(StringComparer.Ordinal);
        foreach (var entity in trace.Entities)
        {
            foreach (var (key, value) in entity.Annotations)
            {
                if (!byKey.TryGetValue(key, out var values))
                {
                    values = [];
                    byKey.Add(key, values);
                }

                var index = values.FindIndex(v => v.Value.Equals(value));
                if (index < 0)
                {
                    values.Add((value, []));
                    index = values.Count - 1;
                }

                AddService(values[index].Services, entity.Service?.Id);
            }
        }

        return byKey.ToDictionary(
            pair => pair.Key,
            pair => (IReadOnlyList<ValueWithServiceIds>)[.. pair.Value.Select(v => new ValueWithServiceIds(v.Value, v.Services))],
            StringComparer.Ordinal);
    }

    private static List<TraceUser> CollectUsers(AssembledTrace trace)
    {
        var users = new List<(string Name, List<ServiceId> Services)>();
        foreach (var entity in trace.Entities)
        {
            if (entity.User is not { } user)
            {
                continue;
            }

            var index = users.FindIndex(u => u.Name == user);
            if (index < 0)
            {
                users.Add((user, []));
                index = users.Count - 1;
            }

            AddService(users[index].Services, entity.Service?.Id);
        }

        return [.. users.Select(u => new TraceUser(u.Name, u.Services))];
    }

    private static void AddService(List<ServiceId> services, ServiceId? service)
    {
        if (service is not null && !services.Contains(service))
        {
            services.Add(service);
        }
    }

    private static List<string> Distinct(AssembledTrace trace, Func<TraceEntity, string?> select) =>
        [.. trace.Entities.Select(select).OfType<string>().Distinct(StringComparer.Ordinal)];
}
