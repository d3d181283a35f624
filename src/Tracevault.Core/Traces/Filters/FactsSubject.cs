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
    private int _list;
    private TraceFactsRange? _range;
    private int _index;

    private FactsSubject()
        : base(null)
    {
    }

    /// <summary>
    /// This thread's subject, set to <paramref name="trace"/>: its facts, and its bits among the range's <paramref name="rangeServices"/>
    /// (or none), the number of its list of them (<see cref="TraceFactsServices.ListOf"/>, or -1), and its <paramref name="index"/>
    /// in the <paramref name="range"/> it is tested as part of (or none).
    /// </summary>
    public static FactsSubject For(TraceFacts trace, TraceFactsServices? rangeServices, ulong traceMask, int list = -1, TraceFactsRange? range = null, int index = -1)
    {
        var subject = t_current ??= new FactsSubject();
        subject._facts = trace;
        subject._services = rangeServices;
        subject._mask = traceMask;
        subject._list = list;
        subject._range = range;
        subject._index = index;
        return subject;
    }

    /// <inheritdoc/>
    public override TraceFactsRange? FactsRange => _range;

    /// <inheritdoc/>
    public override int FactsIndex => _index;

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

            if (_list >= 0)
            {
                // Services sharing bits: the trace's list says, by the numbers of its services.
                var selected = bits.Selected(selector);
                foreach (var number in bits.NumbersOfList(_list))
                {
                    if (selected[number])
                    {
                        return true;
                    }
                }

                return false;
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
        var (numbers, selected) = Numbers(selector);
        for (var i = 0; i < requests.Length; i++)
        {
            var request = requests[i];
            if ((selector is null || Names(selector, services, request.Service, numbers, selected)) && filter.Evaluate(RequestSubject.For(_facts, request)))
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
        var (numbers, sources) = Numbers(source);
        var destinations = numbers is null ? null : _services!.Selected(destination);
        for (var i = 0; i < calls.Length; i++)
        {
            var request = requests[calls[i].Request];
            if (Names(source, services, calls[i].Caller, numbers, sources) && Names(destination, services, request.Service, numbers, destinations) && filter.Evaluate(RequestSubject.For(_facts, request)))
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
        var (numbers, sources) = Numbers(source);
        var destinations = numbers is null ? null : _services!.Selected(destination);
        for (var i = 0; i < calls.Length; i++)
        {
            if (Names(source, all, calls[i].Caller, numbers, sources) && Names(destination, all, calls[i].Callee, numbers, destinations))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The range's numbers of the trace's services and which numbers <paramref name="selector"/> names, when the trace's list is
    /// known: a request's service is then told by its number, not by comparing names.
    /// </summary>
    private (int[]? Numbers, bool[]? Selected) Numbers(ServiceSelector? selector) =>
        selector is not null && _list >= 0 && _services is { } range ? (range.NumbersOfList(_list), range.Selected(selector)) : (null, null);

    /// <summary>Whether the trace's <paramref name="service"/>th service is one <paramref name="selector"/> names (by its number, when <paramref name="numbers"/> are known).</summary>
    private static bool Names(ServiceSelector selector, ReadOnlySpan<ServiceId> services, int service, int[]? numbers, bool[]? selected) =>
        numbers is not null ? selected![numbers[service]] : selector.Matches(services[service]);
}
