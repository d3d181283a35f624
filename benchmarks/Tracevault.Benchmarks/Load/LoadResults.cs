namespace Tracevault.Benchmarks.Load;

/// <summary>Everything one harness run measured; written as JSON and rendered as the Markdown table.</summary>
internal sealed record LoadResults
{
    public required MachineInfo Machine { get; init; }

    public required RunParameters Parameters { get; init; }

    public required CorpusFacts Corpus { get; init; }

    public required double ScanSegmentsPerSecond { get; init; }

    public required HttpIngest Http { get; init; }

    /// <summary>The OTLP phase, after the reads and before the customer-managed key; null when skipped (<c>--otlp-segments 0</c>).</summary>
    public OtlpPhase? Otlp { get; init; }

    /// <summary>What the store returned of the OTLP phase's traces (spans, at any depth); null when that phase was skipped.</summary>
    public StoredCount? OtlpStored { get; init; }

    /// <summary>The in-process storage rate with AES-256-GCM against a no-op cipher; null when skipped (<c>--cost-segments 0</c>).</summary>
    public EncryptionCost? EncryptionCost { get; init; }

    /// <summary>HTTP ingest after the account was put on a customer-managed KMS key; null when skipped (<c>--cmk-segments 0</c>).</summary>
    public HttpIngest? CustomerManagedKeyIngest { get; init; }

    /// <summary>GenerateDataKey calls in the audit trail during the customer-managed-key phase.</summary>
    public KmsCalls? KmsCalls { get; init; }

    public required DiskUsage Disk { get; init; }

    /// <summary>Disk bytes after HTTP ingest per segment the store returned of that phase.</summary>
    public required double DiskBytesPerSegment { get; init; }

    /// <summary>What the store returned, read back after the run, of the HTTP phase's traces.</summary>
    public required StoredCount HttpStored { get; init; }

    /// <summary>What the store returned of the customer-managed-key phase's traces; null when that phase was skipped.</summary>
    public StoredCount? CustomerManagedKeyStored { get; init; }

    /// <summary>What the store returned of the UDP phase's traces.</summary>
    public required StoredCount UdpStored { get; init; }

    /// <summary>The segments the store returned of traces dated in the GetTraceSummaries probe's window, of those stored before it ran.</summary>
    public required long SegmentsInSummaryWindow { get; init; }

    public required Latencies BatchGetTraces { get; init; }

    public required Latencies GetTraceSummaries { get; init; }

    public required int SummariesReturned { get; init; }

    public required long TracesProcessed { get; init; }

    /// <summary>The console's pages, each loaded as often as GetTraceSummaries was called, on the same store.</summary>
    public required IReadOnlyList<ConsolePage> ConsolePages { get; init; }

    /// <summary>The machine's load average as the console probe started and as it ended (the machine may be shared).</summary>
    public IReadOnlyList<LoadAverage>? ConsoleLoadAverage { get; init; }

    public required UdpIngest Udp { get; init; }

    public required long PeakMemoryAfterIngestBytes { get; init; }

    public required long PeakMemoryBytes { get; init; }

    public required IngestTotals ServerTotals { get; init; }
}

internal sealed record RunParameters(long Segments, int Clients, int Concurrency, int Batch, int Seed, long UdpSegments, long UdpRate, int BatchGetRequests, int SummaryRequests, long CmkSegments, int CostSegments, int SpreadMinutes, long OtlpSegments = 0, int OtlpBatch = 512);

/// <summary>
/// The OTLP phase: the corpus's traces again, as OpenTelemetry spans (every segment and subsegment one span, random W3C trace ids),
/// protobuf exports of <see cref="RunParameters.OtlpBatch"/> spans to the OTLP/HTTP port. <see cref="Ingest"/> counts spans.
/// </summary>
/// <param name="Ingest">Spans sent, accepted, rejected (as unprocessed), the rates and CPU per span.</param>
/// <param name="Traces">The traces sent.</param>
/// <param name="CorpusSegments">The segment documents the same traces have (what the PutTraceSegments phase sent for them).</param>
/// <param name="CorpusSegmentsPerSecond">Those segments over the phase's seconds: the rate of the same work counted as PutTraceSegments counts it.</param>
/// <param name="WarmCorpusSegmentsPerSecond">The same over the last four fifths of the spans acknowledged.</param>
/// <param name="ServerCpuMicrosecondsPerCorpusSegment">Server CPU over the phase per corpus segment.</param>
/// <param name="AverageRequestBytes">The protobuf bodies' average size.</param>
internal sealed record OtlpPhase(HttpIngest Ingest, long Traces, long CorpusSegments, double CorpusSegmentsPerSecond, double WarmCorpusSegmentsPerSecond, double ServerCpuMicrosecondsPerCorpusSegment, double AverageRequestBytes);

internal sealed record KmsCalls(string KeyArn, int GenerateDataKey, long Segments, double PerMillionSegments);

internal sealed record CorpusFacts(long Segments, int Traces, double AverageDocumentBytes, int Services);

internal sealed record HttpIngest(long Segments, long Accepted, long Unprocessed, long FailedRequests, double Seconds, double SegmentsPerSecond, double RatioToScan, double RequestP50Ms, double RequestP99Ms, double ServerCpuSeconds, double ServerCpuMicrosecondsPerSegment, double ClientCpuMicrosecondsPerSegment, string? FirstError, double WarmSegmentsPerSecond);

internal sealed record UdpIngest(long Sent, double OfferedPerSecond, double SentPerSecond, long ServerReceived, long Stored, long StoredByServerCounters, long ServerDropped, long KernelReceiveBufferDrops, long RmemMaxBytes, bool SmallReceiveBuffer, double ServerCpuMicrosecondsPerSegment);

internal sealed record Latencies(int Count, double P50Ms, double P99Ms, double MaxMs)
{
    public static Latencies Of(List<double> sample) => new(sample.Count, Percentiles.Of(sample, 50), Percentiles.Of(sample, 99), sample.Count == 0 ? 0 : sample.Max());
}
