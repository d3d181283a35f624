using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Traces.Filters;

/// <summary>One request of a trace's kept <see cref="TraceFacts"/>, as a <c>service(){…}</c> or <c>edge(){…}</c> sub-filter sees it (<see cref="FilterNode.RequestFacts"/>).</summary>
/// <remarks>One per thread, set to each request in turn, as <see cref="FactsSubject"/> is.</remarks>
internal sealed class RequestSubject : FilterSubject
{
    [ThreadStatic]
    private static RequestSubject? t_current;

    private TraceFacts _facts = null!;
    private TraceFactsRequest _request;

    private RequestSubject()
        : base(null)
    {
    }

    /// <summary>This thread's subject, set to <paramref name="request"/> of <paramref name="facts"/>.</summary>
    public static RequestSubject For(TraceFacts facts, TraceFactsRequest request)
    {
        var subject = t_current ??= new RequestSubject();
        subject._facts = facts;
        subject._request = request;
        return subject;
    }

    /// <inheritdoc/>
    public override bool Flag(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.Ok => _request.Ok,
        FilterKeyword.Error => _request.Flags.HasFlag(TraceFactsRequestFlags.Error),
        FilterKeyword.Fault => _request.Flags.HasFlag(TraceFactsRequestFlags.Fault),
        FilterKeyword.Throttle => _request.Flags.HasFlag(TraceFactsRequestFlags.Throttle),
        FilterKeyword.Partial => _request.Flags.HasFlag(TraceFactsRequestFlags.InProgress),
        FilterKeyword.Inferred => _facts.InferredSpan[_request.Service],
        FilterKeyword.Root => IsRootService(),
        _ => false,
    };

    /// <inheritdoc/>
    public override double? Number(FilterKeyword keyword) =>
        keyword is FilterKeyword.ResponseTime or FilterKeyword.Duration ? _request.ResponseTime : null;

    /// <inheritdoc/>
    public override bool AnyString(FilterKeyword keyword, Func<string, bool> predicate)
    {
        var service = _facts.ServicesSpan[_request.Service];
        return keyword switch
        {
            FilterKeyword.Name => predicate(service.Name),
            FilterKeyword.Type => service.Type is { } type && predicate(type),
            _ => false,
        };
    }

    /// <inheritdoc/>
    public override ReadOnlySpan<KeyValuePair<string, AnnotationValue>> TraceAnnotations => _facts.AnnotationsSpan;

    /// <summary>Whether one of the request's service's segments has no caller in the trace (it received a request first).</summary>
    private bool IsRootService()
    {
        var requests = _facts.RequestsSpan;
        for (var i = 0; i < requests.Length; i++)
        {
            if (requests[i].Service == _request.Service && requests[i].Flags.HasFlag(TraceFactsRequestFlags.NoCaller))
            {
                return true;
            }
        }

        return false;
    }
}
