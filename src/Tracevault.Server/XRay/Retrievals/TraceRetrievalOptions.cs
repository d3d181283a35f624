namespace Tracevault.Server.XRay.Retrievals;

/// <summary>How trace retrievals (<c>StartTraceRetrieval</c>) run and how long they are kept.</summary>
public sealed class TraceRetrievalOptions
{
    /// <summary>Whether this node runs the retrievals any node started (every node starts, lists and cancels them); default true.</summary>
    public bool Run { get; set; } = true;

    /// <summary>How often a running node looks for retrievals to run when none was started on it; default 1 second.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a retrieval may take before it is <c>TIMEOUT</c>: 60 minutes, as X-Ray's.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>How long a retrieval and its token are kept after it started; default 24 hours.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Refuses values that cannot work.</summary>
    public void Validate()
    {
        if (PollInterval <= TimeSpan.Zero || Timeout <= TimeSpan.Zero || Lifetime < Timeout)
        {
            throw new ArgumentException("Trace retrievals need a positive poll interval and timeout, and a lifetime no shorter than the timeout.");
        }
    }
}
