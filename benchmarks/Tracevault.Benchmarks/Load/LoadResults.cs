namespace Tracevault.Benchmarks.Load;

/// <summary>Everything one harness run measured; written as JSON and rendered as the Markdown table.</summary>
internal sealed record LoadResults
{
    /// <summary>What the measures that need customer-managed keys or the no-op cipher show until those exist.</summary>
    public const string NeedsEncryptionSettings = "n/a — needs encryption settings";

    public required MachineInfo Machine { get; init; }

    public required RunParameters Parameters { get; init; }

    public required CorpusFacts Corpus { get; init; }

    public required double ScanSegmentsPerSecond { get; init; }

    public required HttpIngest Http { get; init; }

    /// <summary>HTTP ingest with sealing replaced by a no-op cipher, and with a customer-managed key: not measurable yet.</summary>
    public string EncryptionCost { get; init; } = NeedsEncryptionSettings;

    public string CustomerManagedKeyIngest { get; init; } = NeedsEncryptionSettings;

    public string KmsCallsPerMillionSegments { get; init; } = NeedsEncryptionSettings;

    public required DiskUsage Disk { get; init; }

    public required double DiskBytesPerSegment { get; init; }

    public required Latencies BatchGetTraces { get; init; }

    public required Latencies GetTraceSummaries { get; init; }

    public required int SummariesReturned { get; init; }

    public required long TracesProcessed { get; init; }

    public required UdpIngest Udp { get; init; }

    public required long PeakMemoryAfterIngestBytes { get; init; }

    public required long PeakMemoryBytes { get; init; }

    public required IngestTotals ServerTotals { get; init; }
}

internal sealed record RunParameters(long Segments, int Clients, int Concurrency, int Batch, int Seed, long UdpSegments, long UdpRate, int BatchGetRequests, int SummaryRequests);

internal sealed record CorpusFacts(long Segments, int Traces, double AverageDocumentBytes, int Services);

internal sealed record HttpIngest(long Segments, long Accepted, long Unprocessed, long FailedRequests, double Seconds, double SegmentsPerSecond, double RatioToScan, double RequestP50Ms, double RequestP99Ms, double ServerCpuSeconds, double ServerCpuMicrosecondsPerSegment, double ClientCpuMicrosecondsPerSegment, string? FirstError);

internal sealed record UdpIngest(long Sent, double OfferedPerSecond, double SentPerSecond, long ServerReceived, long Stored, long ServerDropped, long KernelReceiveBufferDrops, long RmemMaxBytes, bool SmallReceiveBuffer, double ServerCpuMicrosecondsPerSegment);

internal sealed record Latencies(int Count, double P50Ms, double P99Ms, double MaxMs)
{
    public static Latencies Of(List<double> sample) => new(sample.Count, Percentiles.Of(sample, 50), Percentiles.Of(sample, 99), sample.Count == 0 ? 0 : sample.Max());
}
