namespace Tracevault.Benchmarks.Load;

/// <summary>What one client process did, reported to the harness as one JSON line.</summary>
internal sealed record ClientResult(
    long Segments,
    long Accepted,
    long Unprocessed,
    long Requests,
    long FailedRequests,
    long StartUnixMs,
    long EndUnixMs,
    double LatencyP50Ms,
    double LatencyP99Ms,
    double CpuSeconds,
    string? FirstError,
    IReadOnlyList<Acknowledgement>? Acknowledgements = null,
    long BodyBytes = 0);

/// <summary>One answered request: when its answer came, and how many segments it carried.</summary>
internal readonly record struct Acknowledgement(long UnixMs, int Segments);
