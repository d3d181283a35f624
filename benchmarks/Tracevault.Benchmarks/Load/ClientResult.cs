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
    string? FirstError);
