namespace Tracevault.Core.Traces.Filters;

/// <summary>A whole trace as a filter sees it: status and HTTP keywords read the root segment, the rest any segment.</summary>
internal sealed class TraceSubject(AssembledTrace trace) : FilterSubject(trace)
{
    /// <inheritdoc/>
    public override bool Flag(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.Ok => Trace.Root is { Ok: true },
        FilterKeyword.Error => Trace.HasError,
        FilterKeyword.Fault => Trace.HasFault,
        FilterKeyword.Throttle => Trace.HasThrottle,
        FilterKeyword.Partial => Trace.IsPartial,
        FilterKeyword.Inferred => Trace.Services.Any(s => s.Inferred),
        FilterKeyword.Root => Trace.Root is not null,
        _ => false,
    };

    /// <inheritdoc/>
    public override double? Number(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.ResponseTime => Trace.ResponseTime,
        FilterKeyword.Duration => Trace.Duration,
        FilterKeyword.HttpStatus => Trace.Root?.Http?.HttpStatus,
        _ => null,
    };

    /// <inheritdoc/>
    public override bool AnyString(FilterKeyword keyword, Func<string, bool> predicate)
    {
        var http = Trace.Root?.Http;
        return keyword switch
        {
            FilterKeyword.HttpUrl => Test(http?.HttpUrl, predicate),
            FilterKeyword.HttpMethod => Test(http?.HttpMethod, predicate),
            FilterKeyword.HttpUserAgent => Test(http?.UserAgent, predicate),
            FilterKeyword.HttpClientIp => Test(http?.ClientIp, predicate),
            FilterKeyword.User => Trace.Entities.Any(e => Test(e.User, predicate)),
            FilterKeyword.Name => Trace.Services.Any(s => predicate(s.Id.Name)),
            FilterKeyword.Type => Trace.Services.Any(s => Test(s.Id.Type, predicate)),
            FilterKeyword.AvailabilityZone => Trace.Entities.Any(e => Test(e.AvailabilityZone, predicate)),
            FilterKeyword.InstanceId => Trace.Entities.Any(e => Test(e.InstanceId, predicate)),
            FilterKeyword.ResourceArn => Trace.Entities.Any(e => Test(e.ResourceArn, predicate)),
            _ => false,
        };
    }

    private static bool Test(string? value, Func<string, bool> predicate) => value is not null && predicate(value);
}
