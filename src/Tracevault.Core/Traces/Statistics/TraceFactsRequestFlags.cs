namespace Tracevault.Core.Traces.Statistics;

/// <summary>The yes-or-no facts of one request (<see cref="TraceFactsRequest.Flags"/>).</summary>
[Flags]
public enum TraceFactsRequestFlags : byte
{
    /// <summary>None of them: a request that succeeded.</summary>
    None = 0,

    /// <summary>It erred (4xx).</summary>
    Error = 1,

    /// <summary>It faulted (5xx).</summary>
    Fault = 2,

    /// <summary>It was throttled (429).</summary>
    Throttle = 4,

    /// <summary>It is in progress.</summary>
    InProgress = 8,

    /// <summary>A segment no entity of the trace called: its service received a request first (a root service).</summary>
    NoCaller = 16,

    /// <summary>A segment that names a parent (<c>parent_id</c>).</summary>
    HasParent = 32,
}
