namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// One request a service of a trace served, as the service map counts it and a <c>service(){…}</c> or <c>edge(){…}</c> sub-filter sees
/// it: a segment of an instrumented service, or the subsegment that called an inferred one — its outcome and response time.
/// </summary>
/// <remarks>Sixteen bytes, as a trace keeps one per entity a service counts: service indexes up to <see cref="TraceFactsLink.MaxService"/>.</remarks>
public readonly struct TraceFactsRequest : IEquatable<TraceFactsRequest>
{
    private readonly double _responseTime;
    private readonly int _link;
    private readonly short _service;
    private readonly TraceFactsRequestFlags _flags;

    /// <summary>Creates a request.</summary>
    /// <param name="service">The index, in <see cref="TraceFacts.Services"/>, of the service that served it.</param>
    /// <param name="link">The index, in <see cref="TraceFacts.Links"/>, of its entity, or -1 when it was not kept.</param>
    /// <param name="flags">Its outcome and place in the trace.</param>
    /// <param name="responseTime">Its response time in seconds, or <see langword="null"/> while in progress.</param>
    public TraceFactsRequest(int service, int link, TraceFactsRequestFlags flags, double? responseTime)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(service);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(service, TraceFactsLink.MaxService);
        _service = (short)service;
        _link = link;
        _flags = flags;
        _responseTime = responseTime ?? double.NaN;
    }

    /// <summary>The index of the service that served it.</summary>
    public int Service => _service;

    /// <summary>The index of its entity's link, or -1.</summary>
    public int Link => _link;

    /// <summary>Its outcome and place in the trace.</summary>
    public TraceFactsRequestFlags Flags => _flags;

    /// <summary>Its response time in seconds, or <see langword="null"/> while in progress.</summary>
    public double? ResponseTime => double.IsNaN(_responseTime) ? null : _responseTime;

    /// <summary>Whether it neither erred, faulted nor was throttled.</summary>
    public bool Ok => (_flags & (TraceFactsRequestFlags.Error | TraceFactsRequestFlags.Fault | TraceFactsRequestFlags.Throttle)) == 0;

    /// <summary>The same request served by another service index, its entity at another link index (when parts merge or services go).</summary>
    public TraceFactsRequest With(int service, int link) => new(service, link, _flags, ResponseTime);

    /// <summary>The same request with other flags.</summary>
    public TraceFactsRequest With(TraceFactsRequestFlags flags) => new(_service, _link, flags, ResponseTime);

    /// <inheritdoc/>
    public bool Equals(TraceFactsRequest other) =>
        _responseTime.Equals(other._responseTime) && _link == other._link && _service == other._service && _flags == other._flags;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TraceFactsRequest other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_responseTime, _link, _service, _flags);

    /// <summary>Whether two requests are the same.</summary>
    public static bool operator ==(TraceFactsRequest left, TraceFactsRequest right) => left.Equals(right);

    /// <summary>Whether two requests differ.</summary>
    public static bool operator !=(TraceFactsRequest left, TraceFactsRequest right) => !left.Equals(right);
}
