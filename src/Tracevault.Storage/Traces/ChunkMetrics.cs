using System.Diagnostics.Metrics;

namespace Tracevault.Storage.Traces;

/// <summary>The trace store's instruments (meter <c>Tracevault.Storage</c>): chunk commits, their chunks and their latency.</summary>
/// <remarks>One meter for the process, as a library's meter is; the host decides whether anything listens (its Prometheus endpoint).</remarks>
public static class ChunkMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Tracevault.Storage";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Durable transactions of sealed chunks, by outcome (<c>committed</c> or <c>failed</c>).</summary>
    internal static readonly Counter<long> Commits = Meter.CreateCounter<long>("tracevault.chunk.commits", "{commit}", "Transactions of sealed chunks made durable (outcome=committed) or failed.");

    /// <summary>Chunks made durable.</summary>
    internal static readonly Counter<long> Chunks = Meter.CreateCounter<long>("tracevault.chunks.written", "{chunk}", "Sealed chunks made durable.");

    /// <summary>How long one commit of sealed chunks took, in seconds.</summary>
    internal static readonly Histogram<double> CommitDuration = Meter.CreateHistogram(
        "tracevault.chunk.commit.duration",
        "s",
        "How long a durable transaction of sealed chunks took.",
        tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
}
