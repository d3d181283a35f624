using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Traces.Filters;

/// <summary>A whole trace as its kept <see cref="TraceFacts"/> describe it, for the filters those facts can answer (<see cref="FilterExpression.FactsUse"/>).</summary>
/// <param name="facts">The trace's facts.</param>
/// <param name="services">The services of the range the trace is tested in, with their bits, or <see langword="null"/>.</param>
/// <param name="mask">The trace's bits among <paramref name="services"/>.</param>
internal sealed class FactsSubject(TraceFacts facts, TraceFactsServices? services, ulong mask) : FilterSubject(null)
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
    public override IReadOnlyList<KeyValuePair<string, AnnotationValue>> TraceAnnotations => facts.Annotations;

    /// <inheritdoc/>
    public override bool HasService(ServiceSelector? selector)
    {
        if (selector is not null && Bits is { } bits)
        {
            // The trace's own services need not be looked at (nor brought in from memory).
            return (mask & bits.MaskOf(selector)) != 0;
        }

        var services = facts.Services;
        for (var i = 0; i < services.Count; i++)
        {
            if (selector is null || selector.Matches(services[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override bool HasCall(ServiceSelector source, ServiceSelector destination)
    {
        // Most traces reach no service the destination names: they are told apart without looking at their calls.
        if (!HasService(destination) || !HasService(source))
        {
            return false;
        }

        var (all, calls) = (facts.Services, facts.Calls);
        for (var i = 0; i < calls.Count; i++)
        {
            if (source.Matches(all[calls[i].Caller]) && destination.Matches(all[calls[i].Callee]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The range's service bits, when it has them.</summary>
    private TraceFactsServices? Bits => services is { HasBits: true } ? services : null;
}
