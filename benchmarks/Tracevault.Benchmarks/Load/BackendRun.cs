namespace Tracevault.Benchmarks.Load;

/// <summary>One configuration of <c>load --postgres</c> (SQLite, or PostgreSQL with some nodes): its ingest, disk, reads and CPU per segment of each process.</summary>
internal sealed record BackendRun(
    string Name,
    int Nodes,
    HttpIngest Ingest,
    IReadOnlyList<double> NodeCpuMicrosecondsPerSegment,
    double PostgresCpuMicrosecondsPerSegment,
    long TraceBytes,
    long WholeBytes,
    Dictionary<string, long> BytesPerTable,
    long SegmentsStored,
    Latencies BatchGet,
    Latencies Summary,
    int Summaries,
    long Processed,
    string LoadAfterIngest);
