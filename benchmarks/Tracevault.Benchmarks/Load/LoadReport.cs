using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tracevault.Benchmarks.Load;

/// <summary>Writes a run's results as JSON and as a Markdown table, and puts the table in the README's Performance section.</summary>
internal static class LoadReport
{
    private const string ReadmeHeading = "## Performance";
    private const string OtlpHeading = "### OpenTelemetry (OTLP) ingest";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static (string JsonPath, string MarkdownPath) Write(LoadResults results, string directory)
    {
        Directory.CreateDirectory(directory);
        var jsonPath = Path.Combine(directory, "load-latest.json");
        var markdownPath = Path.Combine(directory, "load-latest.md");
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(results, JsonOptions) + "\n");
        File.WriteAllText(markdownPath, Markdown(results));
        return (jsonPath, markdownPath);
    }

    public static void UpdateReadme(string readmePath, string markdown)
    {
        var text = File.ReadAllText(readmePath);
        var section = $"{ReadmeHeading}\n\nMeasured by the load harness (`dotnet run -c Release --project benchmarks/Tracevault.Benchmarks -- load`, see\n" +
            "`benchmarks/README.md`); the latest results are in `benchmarks/results/` (the 10-million-segment store's in\n" +
            "`benchmarks/results/10m/`), and where the time goes, with what would reach each target, in\n" +
            "`benchmarks/results/analysis.md`. Times follow the shared machine's speed on the day: the first row (one core\n" +
            "scanning the same documents) is the yardstick, and runs compare by their ratios to it.\n\n" + markdown.Replace("\n# ", "\n### ", StringComparison.Ordinal);
        var start = text.IndexOf("\n" + ReadmeHeading + "\n", StringComparison.Ordinal);
        if (start < 0)
        {
            text = text.TrimEnd('\n') + "\n\n" + section;
        }
        else
        {
            var next = text.IndexOf("\n## ", start + ReadmeHeading.Length + 1, StringComparison.Ordinal);

            // The OTLP subsection holds paired comparisons a load run does not make: it stays.
            var end = next < 0 ? text.Length : next;
            var kept = text.IndexOf("\n" + OtlpHeading, start, end - start, StringComparison.Ordinal);
            var otlp = kept < 0 ? "" : "\n" + text[(kept + 1)..end].TrimEnd('\n') + "\n";
            text = text[..(start + 1)] + section + otlp + (next < 0 ? "" : "\n" + text[(next + 1)..]);
        }

        File.WriteAllText(readmePath, text.TrimEnd('\n') + "\n");
    }

    public static string Markdown(LoadResults r)
    {
        var m = r.Machine;
        var p = r.Parameters;
        var b = new StringBuilder();
        b.Append(Invariant($"Run of {m.Date:yyyy-MM-dd HH:mm} UTC on {m.CpuModel}, {m.Cores} cores, {m.MemoryBytes / (1024.0 * 1024 * 1024):F0} GB RAM, {m.Os}, {m.Runtime}; "));
        b.Append(Invariant($"commit `{m.Commit[..Math.Min(12, m.Commit.Length)]}`{(m.Dirty ? " (with uncommitted changes)" : "")}.\n"));
        b.Append(Invariant($"Corpus: {r.Corpus.Segments:N0} segments in {r.Corpus.Traces:N0} traces across {r.Corpus.Services} services, {r.Corpus.AverageDocumentBytes:F0} bytes per document on average (seed {p.Seed}), dated over the {p.SpreadMinutes} minutes before the run and sent in about that order. "));
        b.Append(Invariant($"HTTP: {p.Clients} client processes × {p.Concurrency} requests in flight, batches of {p.Batch}, SigV4-signed, default encryption, then a customer-managed key. "));
        b.Append(Invariant($"UDP: {p.UdpSegments:N0} more segments offered at {p.UdpRate:N0}/s. Server and clients share the machine.\n\n"));
        b.Append("| measure | target (issue 7) | measured | notes |\n|---|---|---|---|\n");
        var h = r.Http;
        Row(b, "one-core `Utf8JsonReader` scan of the same documents (reference)", "—", Invariant($"{r.ScanSegmentsPerSecond:N0} segments/s"), "best of 5 passes, in the harness process");
        Row(b, "HTTP ingest, default encryption, durable", "≥ 100,000 segments/s and ≥ 0.15 × scan",
            Invariant($"{h.SegmentsPerSecond:N0} segments/s = {h.RatioToScan:F3} × scan; once warm {h.WarmSegmentsPerSecond:N0}/s = {h.WarmSegmentsPerSecond / r.ScanSegmentsPerSecond:F3} × scan"),
            Invariant($"{h.Accepted:N0} acknowledged in {h.Seconds:F1} s from a fresh server (once warm: the last four fifths of them, after the server's and the clients' JIT), {h.Unprocessed} unprocessed, {h.FailedRequests} failed requests; {Stored(r.HttpStored, h.Accepted)}; request p50 {h.RequestP50Ms:F1} ms, p99 {h.RequestP99Ms:F1} ms; server CPU {h.ServerCpuMicrosecondsPerSegment:F1} µs per segment, clients' CPU {h.ClientCpuMicrosecondsPerSegment:F1} µs per segment"));
        const string Skipped = "not measured in this run";
        if (r.Otlp is { } o)
        {
            var oi = o.Ingest;
            Row(b, "OTLP/HTTP ingest (protobuf), default encryption, durable", "spans/s ≥ the PutTraceSegments segments/s of the same run (issue 16)",
                Invariant($"{oi.SegmentsPerSecond:N0} spans/s = {oi.SegmentsPerSecond / h.SegmentsPerSecond:F2} × PutTraceSegments; once warm {oi.WarmSegmentsPerSecond:N0}/s = {oi.WarmSegmentsPerSecond / h.WarmSegmentsPerSecond:F2} × (warm); the same traces' {o.CorpusSegments:N0} segments at {o.CorpusSegmentsPerSecond:N0}/s = {o.CorpusSegmentsPerSecond / h.SegmentsPerSecond:F2} × (warm {o.WarmCorpusSegmentsPerSecond / h.WarmSegmentsPerSecond:F2} ×)"),
                Invariant($"the HTTP phase's {o.Traces:N0} traces again, after the reads, as OpenTelemetry spans: every segment and subsegment one span ({(double)oi.Segments / Math.Max(1, o.CorpusSegments):F2} per segment), random W3C trace ids, one resource per service; unsigned from loopback to the OTLP/HTTP port, `application/x-protobuf` exports of {p.OtlpBatch} spans ({o.AverageRequestBytes / 1024:N0} KB on average), {p.Clients} client processes × {p.Concurrency} in flight; {oi.Accepted:N0} of {oi.Segments:N0} spans accepted in {oi.Seconds:F1} s, {oi.Unprocessed} rejected, {oi.FailedRequests} failed requests{(oi.FirstError is null ? "" : " (" + oi.FirstError + ")")}; {(r.OtlpStored is { } os ? Invariant($"the store holds {os.SegmentsStored:N0} spans of them (read back after the run, {os.TracesWhole:N0} of {os.Traces:N0} traces whole)") : "")}; request p50 {oi.RequestP50Ms:F1} ms, p99 {oi.RequestP99Ms:F1} ms; server CPU {oi.ServerCpuMicrosecondsPerSegment:F1} µs per span = {o.ServerCpuMicrosecondsPerCorpusSegment:F1} µs per segment of the same traces (PutTraceSegments: {h.ServerCpuMicrosecondsPerSegment:F1}); clients' CPU {oi.ClientCpuMicrosecondsPerSegment:F1} µs per span"));
        }

        var c = r.CustomerManagedKeyIngest;
        Row(b, "HTTP ingest, customer-managed key, durable", "≥ 100,000 segments/s",
            c is null ? Skipped : Invariant($"{c.SegmentsPerSecond:N0} segments/s = {c.SegmentsPerSecond / r.ScanSegmentsPerSecond:F3} × scan; last four fifths {c.WarmSegmentsPerSecond:N0}/s"),
            c is null ? "" : Invariant($"after `PutEncryptionConfig {{Type: KMS}}` with a new KMS key, ACTIVE; {c.Accepted:N0} more segments (seed {p.Seed + 2}) acknowledged in {c.Seconds:F1} s, {c.Unprocessed} unprocessed, {c.FailedRequests} failed requests{(c.FirstError is null ? "" : " (" + c.FirstError + ")")}; {(r.CustomerManagedKeyStored is { } cs ? Stored(cs, c.Accepted) : "")}; request p50 {c.RequestP50Ms:F1} ms, p99 {c.RequestP99Ms:F1} ms; server CPU {c.ServerCpuMicrosecondsPerSegment:F1} µs per segment"));
        var e = r.EncryptionCost;
        Row(b, "cost of encryption (rate vs no-op cipher)", "≥ 95 %",
            e is null ? Skipped : Invariant($"{e.Ratio * 100:F1} %"),
            e is null ? "" : Invariant($"in-process storage path (ChunkWriter + durable SqliteTraceStore, {e.Producers} producers × batches of {e.Batch}, {e.Segments:N0} segments of the same corpus, no HTTP, one writer and store per cipher, warmed up first): median of {e.Rounds} rounds in which the two ran at once for 2 s, sharing the machine (ratios {string.Join(" / ", e.TogetherRatios.Select(x => (x * 100).ToString("F1", CultureInfo.InvariantCulture)))} %); each round also ran them back to back in alternating order (median ratio {e.BackToBackRatio * 100:F1} %; AES {string.Join(" / ", e.SealedRates.Select(x => x.ToString("N0", CultureInfo.InvariantCulture)))}; no-op {string.Join(" / ", e.NoOpRates.Select(x => x.ToString("N0", CultureInfo.InvariantCulture)))}); best of each: AES-256-GCM {e.SealedSegmentsPerSecond:N0}/s vs no-op cipher {e.NoOpSegmentsPerSecond:N0}/s = {e.BestRatio * 100:F1} %; the no-op cipher is reachable only from the benchmark assembly. Same run, the writer before pipelining (serial build-then-commit, AES): {e.SerialSegmentsPerSecond:N0}/s, so today's writer is {e.SealedSegmentsPerSecond / e.SerialSegmentsPerSecond:F2}×"));
        var k = r.KmsCalls;
        Row(b, "KMS calls per million segments", "≤ 10",
            k is null ? Skipped : Invariant($"{k.PerMillionSegments:F1}"),
            k is null ? "" : Invariant($"{k.GenerateDataKey} `GenerateDataKey` events in the audit trail (CloudTrail `LookupEvents`, every page) for {k.Segments:N0} segments under the customer-managed key, data-key window 5 min (default)"));
        var u = r.Udp;
        Row(b, "UDP ingest", "≥ 30,000 segments/s, no drops counted by the server",
            Invariant($"{u.SentPerSecond:N0} segments/s sent (offered {u.OfferedPerSecond:N0}/s): {u.Stored:N0} of {u.Sent:N0} stored, {u.ServerDropped} dropped by the server"),
            Invariant($"stored: the UDP phase's segments found in the store after the run ({r.UdpStored.TracesWhole:N0} of {r.UdpStored.Traces:N0} traces whole); the server's counters say {u.StoredByServerCounters:N0}{(u.StoredByServerCounters == u.Stored ? "" : Invariant($" (difference {u.StoredByServerCounters - u.Stored:N0})"))}; server received {u.ServerReceived:N0} datagrams; kernel receive-buffer drops (system-wide) {u.KernelReceiveBufferDrops}; net.core.rmem_max {u.RmemMaxBytes:N0} bytes{(u.SmallReceiveBuffer ? " (server warned its 16 MB buffer was capped)" : "")}; server CPU {u.ServerCpuMicrosecondsPerSegment:F1} µs per segment"));
        var d = r.Disk;
        Row(b, "disk per segment, indexes included", "≤ 60 bytes",
            Invariant($"{r.DiskBytesPerSegment:F1} bytes"),
            Invariant($"db {d.DatabaseBytes:N0} + WAL {d.WalBytes:N0} bytes after a checkpoint, for the {r.HttpStored.SegmentsStored:N0} segments of HTTP ingest found in the store; sealed bodies {(double)d.SealedBodyBytes / Math.Max(1, r.HttpStored.SegmentsStored):F1} bytes per segment; {d.Chunks:N0} chunks, {d.IndexRows:N0} blind-index rows{Tables(d)}"));
        var g = r.BatchGetTraces;
        Row(b, Invariant($"`BatchGetTraces` (5 ids), {h.Accepted:N0} segments"), "p50 ≤ 3 ms, p99 ≤ 10 ms (at 10 M segments)",
            Invariant($"p50 {g.P50Ms:F1} ms, p99 {g.P99Ms:F1} ms"), Invariant($"{g.Count} sequential requests, random known ids, each trace checked whole (every segment sent), after 3 s of untimed ones, once the server is idle after ingest"));
        var s = r.GetTraceSummaries;
        Row(b, Invariant($"`GetTraceSummaries`, 1 h, annotation filter, {r.SegmentsInSummaryWindow:N0} segments in the window (counted in the store)"), "≤ 150 ms (1 M segments in the window)",
            Invariant($"p50 {s.P50Ms:N0} ms, max {s.MaxMs:N0} ms"),
            Invariant($"{s.Count} requests, first page: {r.SummariesReturned} summaries, {r.TracesProcessed:N0} traces processed; filter `annotation.customer_tier = \"gold\"`"));
        var slowest = r.ConsolePages.MaxBy(page => page.Latencies.MaxMs);
        Row(b, Invariant($"console pages, {h.Accepted:N0} segments, {r.SegmentsInSummaryWindow:N0} in the last hour"), "no page slower than 300 ms (issue 6); " + ConsoleReport.Target,
            slowest is null ? Skipped : ConsoleReport.Verdict(r.ConsolePages, r.SegmentsInSummaryWindow, r.ConsoleLoadAverage?[^1]),
            string.Join("; ", r.ConsolePages.Where(page => page.Latencies.Count > 0).Select(page => Invariant($"{page.Name} p50 {page.Latencies.P50Ms:N0} / max {page.Latencies.MaxMs:N0} ms"))) +
            Invariant($" ({s.Count} loads each after one untimed, signed in, one at a time, range: last hour; per page below)"));
        Row(b, "server peak memory (VmHWM)", "≤ 512 MB during ingest",
            Invariant($"{r.PeakMemoryAfterIngestBytes / (1024.0 * 1024):N0} MB after HTTP ingest"),
            Invariant($"{r.PeakMemoryBytes / (1024.0 * 1024):N0} MB over the whole run, queries and UDP included"));
        if (r.ConsolePages.Count > 0)
        {
            b.Append(Invariant($"\n**Console pages** (issue 20), last hour, {r.SegmentsInSummaryWindow:N0} segments in it; load average (1/5/15 min) {(r.ConsoleLoadAverage is { } load ? string.Join(" as the probe started, ", load) + " as it ended" : "not recorded")}; the yardstick is `GetTraceSummaries` p50 of the same run ({s.P50Ms:N0} ms):\n\n"));
            b.Append(ConsoleReport.Table(r.ConsolePages, r.SegmentsInSummaryWindow, s.P50Ms, "GetTraceSummaries"));
        }

        return b.ToString();
    }

    private static string Stored(StoredCount stored, long acknowledged) =>
        Invariant($"the store holds {stored.SegmentsStored:N0} of them (read back after the run, {stored.TracesWhole:N0} of {stored.Traces:N0} traces whole)") +
        (stored.SegmentsStored == acknowledged ? "" : Invariant($", {stored.SegmentsStored - acknowledged:+#,0;-#,0} against the acknowledgements"));

    private static string Tables(DiskUsage disk) => disk.BytesPerTable is null
        ? ""
        : "; pages: " + string.Join(", ", disk.BytesPerTable.Where(t => t.Value > 64 * 1024).Select(t => Invariant($"{t.Key} {t.Value / (1024.0 * 1024):F1} MB")));

    private static void Row(StringBuilder builder, string measure, string target, string measured, string notes) =>
        builder.Append("| ").Append(measure).Append(" | ").Append(target).Append(" | ").Append(measured).Append(" | ").Append(notes).Append(" |\n");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
