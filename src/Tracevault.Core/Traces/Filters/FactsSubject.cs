using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Traces.Filters;

/// <summary>A whole trace as its kept <see cref="TraceFacts"/> describe it, for the filters those facts can answer (<see cref="FilterExpression.FactsUse"/>).</summary>
/// <remarks>
/// One per thread, set to each trace in turn (<see cref="For"/>): a range's traces are tested by the million, and a subject made
/// for each would be garbage the collector must sweep past every trace kept in memory.
/// </remarks>
internal sealed class FactsSubject : FilterSubject
{
    [ThreadStatic]
    private static FactsSubject? t_current;

    private TraceFacts _facts = null!;
    private TraceFactsServices? _services;
    private ulong _mask;

    private FactsSubject()
        : base(null)
    {
    }

    /// <summary>This thread's subject, set to <paramref name="trace"/>: its facts, and its bits among the range's <paramref name="rangeServices"/> (or none).</summary>
    public static FactsSubject For(TraceFacts trace, TraceFactsServices? rangeServices, ulong traceMask)
    {
        var subject = t_current ??= new FactsSubject();
        subject._facts = trace;
        subject._services = rangeServices;
        subject._mask = traceMask;
        return subject;
    }

    /// <inheritdoc/>
    public override bool Flag(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.Ok => _facts.Flags.HasFlag(TraceFactsFlags.RootOk),
        FilterKeyword.Error => _facts.Flags.HasFlag(TraceFactsFlags.Error),
        FilterKeyword.Fault => _facts.Flags.HasFlag(TraceFactsFlags.Fault),
        FilterKeyword.Throttle => _facts.Flags.HasFlag(TraceFactsFlags.Throttle),
        FilterKeyword.Partial => _facts.IsPartial,
        FilterKeyword.Inferred => _facts.InferredSpan.Contains(true),
        FilterKeyword.Root => _facts.Flags.HasFlag(TraceFactsFlags.HasRoot),
        _ => false,
    };

    /// <inheritdoc/>
    public override double? Number(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.ResponseTime => _facts.ResponseTime,
        FilterKeyword.Duration => _facts.Duration,
        FilterKeyword.HttpStatus => _facts.Http?.HttpStatus,
        _ => null,
    };

    /// <inheritdoc/>
    public override bool AnyString(FilterKeyword keyword, Func<string, bool> predicate)
    {
        var http = _facts.Http;
        return keyword switch
        {
            FilterKeyword.HttpUrl => http?.HttpUrl is { } url && predicate(url),
            FilterKeyword.HttpMethod => http?.HttpMethod is { } method && predicate(method),
            FilterKeyword.HttpUserAgent => http?.UserAgent is { } agent && predicate(agent),
            FilterKeyword.HttpClientIp => http?.ClientIp is { } ip && predicate(ip),
            FilterKeyword.User => _facts.Users.Any(predicate),
            FilterKeyword.Name => _facts.Services.Any(s => predicate(s.Name)),
            FilterKeyword.Type => _facts.Services.Any(s => s.Type is { } type && predicate(type)),
            FilterKeyword.AvailabilityZone => _facts.AvailabilityZones.Any(predicate),
            FilterKeyword.InstanceId => _facts.InstanceIds.Any(predicate),
            FilterKeyword.ResourceArn => _facts.ResourceArns.Any(predicate),
            _ => false,
        };
    }

    /// <inheritdoc/>
    public override ReadOnlySpan<KeyValuePair<string, AnnotationValue>> TraceAnnotations => _facts.AnnotationsSpan;

    /// <inheritdoc/>
    public override bool HasService(ServiceSelector? selector)
    {
        if (selector is not null && _services is { } bits)
        {
            // Most traces are told apart by their bits, without their services being brought in from memory.
            if ((_mask & bits.MaskOf(selector)) == 0)
            {
                return false;
            }

            if (bits.Exact)
            {
                return true;
            }
        }

        var services = _facts.ServicesSpan;
        for (var i = 0; i < services.Length; i++)
        {
            if (selector is null || selector.Matches(services[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override bool AnyRequest(ServiceSelector? selector, FilterNode filter)
    {
        if (!HasService(selector))
        {
            return false;
        }

        var services = _facts.ServicesSpan;
        var requests = _facts.RequestsSpan;
        for (var i = 0; i < requests.Length; i++)
        {
            var request = requests[i];
            if ((selector is null || selector.Matches(services[request.Service])) && filter.Evaluate(RequestSubject.For(_facts, request)))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc/>
    public override bool AnyCall(ServiceSelector source, ServiceSelector destination, FilterNode filter)
    {
        if (!HasService(destination) || !HasService(source))
        {
            return false;
        }

        var services = _facts.ServicesSpan;
        var requests = _facts.RequestsSpan;
        var calls = _facts.CallRequestsSpan;
        for (var i = 0; i < calls.Length; i++)
        {
            var request = requests[calls[i].Request];
            if (source.Matches(services[calls[i].Caller]) && destination.Matches(services[request.Service]) && filter.Evaluate(RequestSubject.For(_facts, request)))
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

        var all = _facts.ServicesSpan;
        var calls = _facts.CallsSpan;
        for (var i = 0; i < calls.Length; i++)
        {
            if (source.Matches(all[calls[i].Caller]) && destination.Matches(all[calls[i].Callee]))
            {
                return true;
            }
        }

        return false;
    }
}
