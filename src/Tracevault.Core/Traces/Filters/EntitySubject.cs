namespace Tracevault.Core.Traces.Filters;

/// <summary>One entity of a service or edge as a <c>service(){…}</c> or <c>edge(){…}</c> sub-filter sees it.</summary>
/// <param name="trace">The trace the entity belongs to.</param>
/// <param name="service">The service the entity describes: its own, or the callee of an edge.</param>
/// <param name="entity">The segment, or for an inferred service the subsegment that called it.</param>
internal sealed class EntitySubject(AssembledTrace trace, TraceService service, TraceEntity entity) : FilterSubject(trace)
{
    /// <inheritdoc/>
    public override bool Flag(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.Ok => entity.Ok,
        FilterKeyword.Error => entity.Error,
        FilterKeyword.Fault => entity.Fault,
        FilterKeyword.Throttle => entity.Throttle,
        FilterKeyword.Partial => entity.InProgress,
        FilterKeyword.Inferred => service.Inferred,
        FilterKeyword.Root => service.Root,
        _ => false,
    };

    /// <inheritdoc/>
    public override double? Number(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.ResponseTime or FilterKeyword.Duration => entity.ResponseTime,
        FilterKeyword.HttpStatus => entity.Http?.HttpStatus,
        _ => null,
    };

    /// <inheritdoc/>
    public override bool AnyString(FilterKeyword keyword, Func<string, bool> predicate)
    {
        var value = keyword switch
        {
            FilterKeyword.HttpUrl => entity.Http?.HttpUrl,
            FilterKeyword.HttpMethod => entity.Http?.HttpMethod,
            FilterKeyword.HttpUserAgent => entity.Http?.UserAgent,
            FilterKeyword.HttpClientIp => entity.Http?.ClientIp,
            FilterKeyword.User => entity.Segment?.User,
            FilterKeyword.Name => service.Id.Name,
            FilterKeyword.Type => service.Id.Type,
            FilterKeyword.AvailabilityZone => entity.Segment?.AvailabilityZone,
            FilterKeyword.InstanceId => entity.Segment?.InstanceId,
            FilterKeyword.ResourceArn => entity.Segment?.ResourceArn,
            _ => null,
        };
        return value is not null && predicate(value);
    }
}
