using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Traces.Filters;

/// <summary>A whole trace as its kept <see cref="TraceFacts"/> describe it, for the filters those facts can answer (<see cref="FilterExpression.FactsUse"/>).</summary>
internal sealed class FactsSubject(TraceFacts facts) : FilterSubject(null)
{
    /// <inheritdoc/>
    public override bool Flag(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.Ok => facts.Flags.HasFlag(TraceFactsFlags.RootOk),
        FilterKeyword.Error => facts.Flags.HasFlag(TraceFactsFlags.Error),
        FilterKeyword.Fault => facts.Flags.HasFlag(TraceFactsFlags.Fault),
        FilterKeyword.Throttle => facts.Flags.HasFlag(TraceFactsFlags.Throttle),
        FilterKeyword.Partial => facts.Flags.HasFlag(TraceFactsFlags.Partial),
        FilterKeyword.Inferred => facts.Inferred.Contains(true),
        FilterKeyword.Root => facts.Flags.HasFlag(TraceFactsFlags.HasRoot),
        _ => false,
    };

    /// <inheritdoc/>
    public override double? Number(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.ResponseTime => facts.ResponseTime,
        FilterKeyword.Duration => facts.Duration,
        FilterKeyword.HttpStatus => facts.Http?.HttpStatus,
        _ => null,
    };

    /// <inheritdoc/>
    public override bool AnyString(FilterKeyword keyword, Func<string, bool> predicate)
    {
        var http = facts.Http;
        return keyword switch
        {
            FilterKeyword.HttpUrl => http?.HttpUrl is { } url && predicate(url),
            FilterKeyword.HttpMethod => http?.HttpMethod is { } method && predicate(method),
            FilterKeyword.HttpUserAgent => http?.UserAgent is { } agent && predicate(agent),
            FilterKeyword.HttpClientIp => http?.ClientIp is { } ip && predicate(ip),
            FilterKeyword.User => facts.Users.Any(predicate),
            FilterKeyword.Name => facts.Services.Any(s => predicate(s.Name)),
            FilterKeyword.Type => facts.Services.Any(s => s.Type is { } type && predicate(type)),
            FilterKeyword.AvailabilityZone => facts.AvailabilityZones.Any(predicate),
            FilterKeyword.InstanceId => facts.InstanceIds.Any(predicate),
            FilterKeyword.ResourceArn => facts.ResourceArns.Any(predicate),
            _ => false,
        };
    }

    /// <inheritdoc/>
    public override IEnumerable<KeyValuePair<string, AnnotationValue>> TraceAnnotations => facts.Annotations;

    /// <inheritdoc/>
    public override IEnumerable<ServiceId> ServiceIds => facts.Services;

    /// <inheritdoc/>
    public override IEnumerable<(ServiceId Caller, ServiceId Callee)> CallIds => facts.Calls.Select(c => (facts.Services[c.Caller], facts.Services[c.Callee]));
}
