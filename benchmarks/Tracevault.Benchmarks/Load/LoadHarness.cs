using System.Diagnostics;
using System.Globalization;
using Tracevault.Benchmarks.Corpus;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// The end-to-end load harness: starts a Release <c>tracevault serve</c> on a temporary data directory, drives it from separate
/// client processes over loopback (HTTP, then UDP), times the read APIs on the loaded store, and writes the results.
/// </summary>
internal static class LoadHarness
{
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromMinutes(30);

    public static async Task<int> RunAsync(HarnessArguments args)
    {
        var parameters = new RunParameters(
            Segments: args.Long("segments", 1_000_000),
            Clients: args.Int("clients", 2),
            Concurrency: args.Int("concurrency", 4),
            Batch: args.Int("batch", 50),
            Seed: args.Int("seed", 42),
            UdpSegments: args.Long("udp-segments", 150_000),
            UdpRate: args.Long("udp-rate", 30_000),
            BatchGetRequests: args.Int("batch-get-requests", 300),
            SummaryRequests: args.Int("summary-requests", 10),
            CmkSegments: args.Long("cmk-segments", Math.Min(300_000, args.Long("segments", 1_000_000))),
            CostSegments: args.Int("cost-segments", 200_000),
            SpreadMinutes: args.Int("spread-minutes", 50),
            OtlpSegments: args.Long("otlp-segments", args.Long("segments", 1_000_000)),
            OtlpBatch: args.Int("otlp-batch", 512));
        var output = Path.GetFullPath(args.String("out") ?? Path.Combine(RepositoryPaths.Root, "benchmarks", "results"));
        if (!args.Flag("no-build"))
        {
            Log("building the Release server");
            await RunToEndAsync("dotnet", ["build", "-c", "Release", "-v", "q", "-nologo", Path.Combine(RepositoryPaths.Root, "src", "Tracevault.Server")]).ConfigureAwait(false);
        }

        var machine = MachineInfo.Read();
        var baseTime = DateTimeOffset.UtcNow;
        var spread = TimeSpan.FromMinutes(parameters.SpreadMinutes);
        var traces = new CorpusGenerator(parameters.Seed, baseTime, spread).TracesFor(parameters.Segments);
        var generator = new CorpusGenerator(parameters.Seed, baseTime, spread, traces: traces);
        var segments = Enumerable.Range(0, traces).Sum(generator.SegmentCount);

        // The reference: one core scanning (up to 200,000 of) the very documents the clients will send, before and after the load.
        var sample = generator.Documents((int)Math.Min(segments, 200_000));
        var averageBytes = sample.Average(d => d.Length);
        var scanRate = ScanReference.DocumentsPerSecond(sample);
        Log(Invariant($"corpus: {segments:N0} segments in {traces:N0} traces, {averageBytes:F0} bytes on average; one-core scan {scanRate:N0} documents/s"));

        var dataDirectory = Directory.CreateTempSubdirectory("tracevault-load-").FullName;
        try
        {
            await QueryComparison.WriteCorpusAsync(dataDirectory, new KeptCorpus(parameters.Seed, baseTime.ToUnixTimeSeconds(), traces, parameters.SpreadMinutes)).ConfigureAwait(false);
            using var server = ServerProcess.Start(RepositoryPaths.ServerDll, dataDirectory, otlp: parameters.OtlpSegments > 0);
            Log(Invariant($"server {server.Pid} on {server.Endpoint}, data in {dataDirectory}"));

            var httpShares = Shares(parameters.Seed, baseTime, traces, parameters.Clients, parameters.SpreadMinutes);
            var profilePath = Path.Combine(Path.GetTempPath(), "tracevault-ingest.nettrace");
            var profiler = args.Flag("profile") ? IngestProfiler.Start(server.Pid, profilePath) : null;
            var cpuBefore = ProcStatus.CpuSeconds(server.Pid);
            var httpResults = await RunClientsAsync(httpShares.Select(share => share.ToArguments().Prepend("client").Concat(
            [
                "--endpoint", server.Endpoint.ToString(), "--credentials", server.CredentialsPath,
                "--batch", parameters.Batch.ToString(CultureInfo.InvariantCulture), "--concurrency", parameters.Concurrency.ToString(CultureInfo.InvariantCulture),
            ]))).ConfigureAwait(false);
            var httpCpu = ProcStatus.CpuSeconds(server.Pid) - cpuBefore;
            var peakAfterIngest = ProcStatus.StatusBytes(server.Pid, "VmHWM");
            if (profiler is not null)
            {
                await profiler.StopAsync().ConfigureAwait(false);
                Directory.CreateDirectory(output);
                var profile = Path.Combine(output, "ingest-profile.md");
                await File.WriteAllTextAsync(profile, "# Server CPU profile during HTTP ingest\n\n" + IngestProfiler.Report(profilePath)).ConfigureAwait(false);
                Log($"wrote {profile}");
            }

            var http = Summarize(httpResults, scanRate, httpCpu);
            Log(Invariant($"HTTP ingest: {http.Accepted:N0} segments in {http.Seconds:F1} s = {http.SegmentsPerSecond:N0}/s ({http.RatioToScan:F3} × scan; once warm {http.WarmSegmentsPerSecond:N0}/s), {http.Unprocessed} unprocessed, {http.FailedRequests} failed{(http.FirstError is null ? "" : ": " + http.FirstError)}"));

            var disk = DiskUsage.Measure(Path.Combine(dataDirectory, "tracevault.db"));
            Log(Invariant($"disk: {disk.TotalBytes:N0} bytes after HTTP ingest"));

            using var httpClient = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            var probe = new QueryProbe(httpClient, new XRaySigner(server.Endpoint, server.Credentials, "us-east-1"));
            var probed = Enumerable.Range(0, 2000).Select(i => new Random(i).Next(traces)).Distinct().ToList();
            var traceIds = probed.Select(i => generator.Trace(i).TraceId).ToList();
            var segmentsOf = probed.ToDictionary(i => generator.Trace(i).TraceId, generator.SegmentCount, StringComparer.Ordinal);
            var settled = await ProcStatus.WaitForIdleAsync(server.Pid, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            Log(Invariant($"server idle after {settled.TotalSeconds:F1} s; queries from now on"));

            // Untimed requests first, for three seconds (a few hundred): the JIT replaces a method's first code only after enough
            // calls, and a server that has just started measured slower for its first thousand requests. The figures are of the
            // steady state.
            var warmUp = System.Diagnostics.Stopwatch.StartNew();
            for (var round = 0; warmUp.Elapsed < TimeSpan.FromSeconds(3); round++)
            {
                await probe.BatchGetTracesAsync(traceIds, segmentsOf, 50, parameters.Seed + 100 + round).ConfigureAwait(false);
            }

            var batchGet = Latencies.Of(await probe.BatchGetTracesAsync(traceIds, segmentsOf, parameters.BatchGetRequests, parameters.Seed + 1).ConfigureAwait(false));
            Log(Invariant($"BatchGetTraces: p50 {batchGet.P50Ms:F1} ms, p99 {batchGet.P99Ms:F1} ms"));
            // As for BatchGetTraces, a few requests first, so the figures are of the server's steady state, not of its JIT.
            await probe.GetTraceSummariesAsync(DateTimeOffset.UtcNow, "gold", 3).ConfigureAwait(false);
            var summaryEnd = DateTimeOffset.UtcNow;
            var (summaryLatencies, summaries, processed) = await probe.GetTraceSummariesAsync(summaryEnd, "gold", parameters.SummaryRequests).ConfigureAwait(false);
            var summary = Latencies.Of(summaryLatencies);
            Log(Invariant($"GetTraceSummaries: p50 {summary.P50Ms:N0} ms, max {summary.MaxMs:N0} ms, {summaries} summaries, {processed:N0} processed"));
            var consoleLoad = new List<LoadAverage> { LoadAverage.Read() };
            var consolePages = await ConsoleProbe.MeasureAsync(server.Endpoint, server.Credentials, parameters.SummaryRequests, serverPid: server.Pid).ConfigureAwait(false);
            consoleLoad.Add(LoadAverage.Read());
            Log($"load average as the console probe started and ended: {consoleLoad[0]}; {consoleLoad[1]}");
            foreach (var page in consolePages)
            {
                Log(Invariant($"console {page.Name}: p50 {page.Latencies.P50Ms:N0} ms, max {page.Latencies.MaxMs:N0} ms"));
            }

            // The same traces again as OpenTelemetry spans to the OTLP/HTTP port, under the same (default) encryption as the HTTP phase,
            // with the storage path warm; the customer-managed-key phase after it is a second PutTraceSegments rate on a warm server.
            OtlpPhase? otlp = null;
            List<CorpusShare> otlpShares = [];
            if (parameters.OtlpSegments > 0)
            {
                var otlpTraces = parameters.OtlpSegments >= segments ? traces : generator.TracesFor(parameters.OtlpSegments);
                otlpShares = Shares(parameters.Seed, baseTime, otlpTraces, parameters.Clients, parameters.SpreadMinutes);
                var otlpProfilePath = Path.Combine(Path.GetTempPath(), "tracevault-otlp.nettrace");
                var otlpProfiler = args.Flag("profile-otlp") ? IngestProfiler.Start(server.Pid, otlpProfilePath) : null;
                cpuBefore = ProcStatus.CpuSeconds(server.Pid);
                var otlpResults = await RunClientsAsync(otlpShares.Select(share => share.ToArguments().Prepend("otlp-client").Concat(
                [
                    "--endpoint", server.OtlpEndpoint!.ToString(),
                    "--batch", parameters.OtlpBatch.ToString(CultureInfo.InvariantCulture), "--concurrency", parameters.Concurrency.ToString(CultureInfo.InvariantCulture),
                ]))).ConfigureAwait(false);
                var otlpIngest = Summarize(otlpResults, scanRate, ProcStatus.CpuSeconds(server.Pid) - cpuBefore);
                if (otlpProfiler is not null)
                {
                    await otlpProfiler.StopAsync().ConfigureAwait(false);
                    Directory.CreateDirectory(output);
                    var profile = Path.Combine(output, "otlp-profile.md");
                    await File.WriteAllTextAsync(profile, "# Server CPU profile during OTLP ingest\n\n" + IngestProfiler.Report(otlpProfilePath)).ConfigureAwait(false);
                    Log($"wrote {profile}");
                }

                var corpusSegments = Enumerable.Range(0, otlpTraces).Sum(generator.SegmentCount);
                var spansPerSegment = (double)otlpIngest.Segments / Math.Max(1, corpusSegments);
                otlp = new OtlpPhase(
                    otlpIngest, otlpTraces, corpusSegments, otlpIngest.SegmentsPerSecond / spansPerSegment, otlpIngest.WarmSegmentsPerSecond / spansPerSegment,
                    otlpIngest.ServerCpuSeconds * 1e6 / Math.Max(1, corpusSegments), otlpResults.Sum(r => (double)r.BodyBytes) / Math.Max(1, otlpResults.Sum(r => r.Requests)));
                Log(Invariant($"OTLP ingest: {otlpIngest.Accepted:N0} spans ({otlpTraces:N0} traces, {corpusSegments:N0} segments in the corpus) in {otlpIngest.Seconds:F1} s = {otlpIngest.SegmentsPerSecond:N0} spans/s (once warm {otlpIngest.WarmSegmentsPerSecond:N0}/s) = {otlp.CorpusSegmentsPerSecond:N0} corpus segments/s; server CPU {otlpIngest.ServerCpuMicrosecondsPerSegment:F1} µs per span, {otlp.ServerCpuMicrosecondsPerCorpusSegment:F1} µs per corpus segment; {otlpIngest.Unprocessed} rejected, {otlpIngest.FailedRequests} failed{(otlpIngest.FirstError is null ? "" : ": " + otlpIngest.FirstError)}"));
            }

            // A customer-managed key, as a user would set it: create it, PutEncryptionConfig, wait for ACTIVE, ingest more, then
            // count the data keys the trail shows were generated for it. UDP below then also seals under this key.
            HttpIngest? cmk = null;
            KmsCalls? kmsCalls = null;
            List<CorpusShare> cmkShares = [];
            if (parameters.CmkSegments > 0)
            {
                var keySetup = new CustomerManagedKey(httpClient, new XRaySigner(server.Endpoint, server.Credentials, "us-east-1"));
                var since = DateTimeOffset.UtcNow.AddMinutes(-1);
                var keyArn = await keySetup.ApplyAsync(TimeSpan.FromMinutes(1)).ConfigureAwait(false);
                Log($"encryption setting ACTIVE with {keyArn}");
                var cmkBaseTime = DateTimeOffset.UtcNow;
                var cmkTraces = new CorpusGenerator(parameters.Seed + 2, cmkBaseTime).TracesFor(parameters.CmkSegments);
                cpuBefore = ProcStatus.CpuSeconds(server.Pid);
                cmkShares = Shares(parameters.Seed + 2, cmkBaseTime, cmkTraces, parameters.Clients);
                var cmkResults = await RunClientsAsync(cmkShares.Select(share => share.ToArguments().Prepend("client").Concat(
                [
                    "--endpoint", server.Endpoint.ToString(), "--credentials", server.CredentialsPath,
                    "--batch", parameters.Batch.ToString(CultureInfo.InvariantCulture), "--concurrency", parameters.Concurrency.ToString(CultureInfo.InvariantCulture),
                ]))).ConfigureAwait(false);
                cmk = Summarize(cmkResults, scanRate, ProcStatus.CpuSeconds(server.Pid) - cpuBefore);
                Log(Invariant($"HTTP ingest, customer-managed key: {cmk.Accepted:N0} segments in {cmk.Seconds:F1} s = {cmk.SegmentsPerSecond:N0}/s, {cmk.Unprocessed} unprocessed, {cmk.FailedRequests} failed{(cmk.FirstError is null ? "" : ": " + cmk.FirstError)}"));
                var generated = await keySetup.CountEventsAsync("GenerateDataKey", since).ConfigureAwait(false);
                kmsCalls = new KmsCalls(keyArn, generated, cmk.Accepted, generated * 1e6 / Math.Max(1, cmk.Accepted));
                Log(Invariant($"KMS: {generated} GenerateDataKey calls = {kmsCalls.PerMillionSegments:F1} per million segments"));
            }

            var udpBaseTime = DateTimeOffset.UtcNow;
            var udpGenerator = new CorpusGenerator(parameters.Seed + 1, udpBaseTime);
            var udpTraces = udpGenerator.TracesFor(parameters.UdpSegments);
            var kernelBefore = ProcStatus.UdpReceiveBufferErrors();
            cpuBefore = ProcStatus.CpuSeconds(server.Pid);
            var udpShares = Shares(parameters.Seed + 1, udpBaseTime, udpTraces, parameters.Clients);
            var udpResults = await RunClientsAsync(udpShares.Select(share => share.ToArguments().Prepend("udp-client").Concat(
            [
                "--port", server.Port.ToString(CultureInfo.InvariantCulture),
                "--rate", (parameters.UdpRate / parameters.Clients).ToString(CultureInfo.InvariantCulture),
            ]))).ConfigureAwait(false);

            // Give the writer time to commit what is queued before the server is stopped and its counters read.
            await Task.Delay(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            var udpCpu = ProcStatus.CpuSeconds(server.Pid) - cpuBefore;
            var kernelDrops = ProcStatus.UdpReceiveBufferErrors() - kernelBefore;
            var peak = ProcStatus.StatusBytes(server.Pid, "VmHWM");
            var smallBuffer = server.SmallUdpBuffer;

            // What the store holds, read back trace by trace: the figures below are of it, not of acknowledgements or counters.
            var httpStored = await CountStoredAsync(probe, httpShares, summaryEnd).ConfigureAwait(false);
            var cmkStored = cmk is null ? null : await CountStoredAsync(probe, cmkShares).ConfigureAwait(false);
            var otlpStored = otlp is null ? null : await probe.CountStoredAsync(otlpShares.SelectMany(share => share.SentOtlpTraces()), spans: true).ConfigureAwait(false);
            if (otlpStored is not null)
            {
                Log(Invariant($"stored, read back: OTLP {otlpStored.SegmentsStored:N0} spans of {otlp!.Ingest.Accepted:N0} acknowledged ({otlpStored.TracesWhole:N0} of {otlpStored.Traces:N0} traces whole, {otlpStored.SegmentsSent:N0} spans sent)"));
            }

            var udpStored = await CountStoredAsync(probe, udpShares).ConfigureAwait(false);
            Log(Invariant($"stored, read back: HTTP {httpStored.SegmentsStored:N0} of {http.Accepted:N0} acknowledged ({httpStored.TracesWhole:N0} of {httpStored.Traces:N0} traces whole){(cmkStored is null ? "" : Invariant($"; customer-managed key {cmkStored.SegmentsStored:N0} of {cmk!.Accepted:N0} acknowledged"))}; UDP {udpStored.SegmentsStored:N0} of {udpStored.SegmentsSent:N0} sent; {httpStored.SegmentsInWindow:N0} segments in the summaries' window"));
            var totals = await server.StopAsync().ConfigureAwait(false);
            var udpSent = udpResults.Sum(r => r.Segments);
            var udpSeconds = (udpResults.Max(r => r.EndUnixMs) - udpResults.Min(r => r.StartUnixMs)) / 1000.0;
            var udp = new UdpIngest(
                udpSent, parameters.UdpRate, udpSent / Math.Max(0.001, udpSeconds), totals.UdpReceived, udpStored.SegmentsStored, totals.Stored - http.Accepted - (cmk?.Accepted ?? 0),
                totals.DroppedQueueFull + totals.DroppedMalformed + totals.DroppedStoringStopped, kernelDrops,
                ProcStatus.ReadLong("/proc/sys/net/core/rmem_max"), smallBuffer, udpCpu * 1e6 / Math.Max(1, totals.UdpReceived));
            Log(Invariant($"UDP: sent {udp.Sent:N0} at {udp.SentPerSecond:N0}/s, server received {udp.ServerReceived:N0}, stored {udp.Stored:N0} (read back; the server's counters say {udp.StoredByServerCounters:N0}), server drops {udp.ServerDropped}, kernel drops {udp.KernelReceiveBufferDrops}"));

            // The machine is shared: scan again now that the server is gone and keep the better (less disturbed) rate.
            scanRate = Math.Max(scanRate, ScanReference.DocumentsPerSecond(sample));
            http = http with { RatioToScan = http.SegmentsPerSecond / scanRate };
            cmk = cmk is null ? null : cmk with { RatioToScan = cmk.SegmentsPerSecond / scanRate };

            // What encryption costs, in this process on the same corpus, with the server gone.
            EncryptionCost? cost = null;
            if (parameters.CostSegments > 0)
            {
                cost = EncryptionCostProbe.Measure(generator.Documents((int)Math.Min(segments, parameters.CostSegments)), parameters.Clients * parameters.Concurrency, parameters.Batch, rounds: 7);
                Log(Invariant($"encryption cost: {cost.Ratio * 100:F1} % (median of the runs at once; back to back {cost.BackToBackRatio * 100:F1} %); best of each AES-256-GCM {cost.SealedSegmentsPerSecond:N0}/s vs no-op cipher {cost.NoOpSegmentsPerSecond:N0}/s = {cost.BestRatio * 100:F1} %; serial writer before pipelining {cost.SerialSegmentsPerSecond:N0}/s"));
            }

            var results = new LoadResults
            {
                Machine = machine,
                Parameters = parameters,
                Corpus = new CorpusFacts(segments, traces, averageBytes, generator.Services.Count),
                ScanSegmentsPerSecond = scanRate,
                Http = http,
                Otlp = otlp,
                OtlpStored = otlpStored,
                CustomerManagedKeyIngest = cmk,
                KmsCalls = kmsCalls,
                EncryptionCost = cost,
                Disk = disk,

                // The disk was measured after HTTP ingest; what it holds is what the store returned of that phase.
                DiskBytesPerSegment = (double)disk.TotalBytes / Math.Max(1, httpStored.SegmentsStored),
                HttpStored = httpStored,
                CustomerManagedKeyStored = cmkStored,
                UdpStored = udpStored,
                SegmentsInSummaryWindow = httpStored.SegmentsInWindow,
                BatchGetTraces = batchGet,
                GetTraceSummaries = summary,
                SummariesReturned = summaries,
                TracesProcessed = processed,
                ConsolePages = consolePages,
                ConsoleLoadAverage = consoleLoad,
                Udp = udp,
                PeakMemoryAfterIngestBytes = peakAfterIngest,
                PeakMemoryBytes = peak,
                ServerTotals = totals,
            };
            var (jsonPath, markdownPath) = LoadReport.Write(results, output);
            if (args.Flag("readme"))
            {
                LoadReport.UpdateReadme(Path.Combine(RepositoryPaths.Root, "README.md"), LoadReport.Markdown(results));
            }

            await Console.Out.WriteLineAsync("\n" + LoadReport.Markdown(results)).ConfigureAwait(false);
            Log($"wrote {jsonPath} and {markdownPath}");
            var nothingLost = httpStored.SegmentsStored >= http.Accepted && (cmk is null || cmkStored!.SegmentsStored >= cmk.Accepted)
                && (otlp is null || otlpStored!.SegmentsStored >= otlp.Ingest.Accepted);
            return nothingLost && http.FailedRequests == 0 && http.Unprocessed == 0 && (cmk is null || (cmk.FailedRequests == 0 && cmk.Unprocessed == 0))
                && (otlp is null || (otlp.Ingest.FailedRequests == 0 && otlp.Ingest.Unprocessed == 0)) ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (!args.Flag("keep"))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
        }
    }

    /// <summary>
    /// Reads back every trace the shares sent. With <paramref name="summaryEnd"/>, the segments of traces dated in the window the
    /// GetTraceSummaries probe asked for (the hour before it) are counted apart: only the HTTP phase, stored before the probe ran.
    /// </summary>
    private static Task<StoredCount> CountStoredAsync(QueryProbe probe, List<CorpusShare> shares, DateTimeOffset? summaryEnd = null) =>
        probe.CountStoredAsync(shares.SelectMany(share => share.SentTraces()), summaryEnd?.AddHours(-1).ToUnixTimeSeconds() ?? 0, summaryEnd?.ToUnixTimeSeconds() ?? -1);

    internal static List<CorpusShare> Shares(int seed, DateTimeOffset baseTime, int traces, int clients, int spreadMinutes = 50) =>
        Enumerable.Range(0, clients).Select(i => new CorpusShare(seed, baseTime.ToUnixTimeSeconds(), traces, i, clients, spreadMinutes)).ToList();

    /// <summary>Starts one client process per argument list, waits until all are ready, releases them together and collects their results.</summary>
    internal static async Task<List<ClientResult>> RunClientsAsync(IEnumerable<IEnumerable<string>> argumentLists)
    {
        var clients = argumentLists.Select(ChildProcess.StartSelf).ToList();
        try
        {
            foreach (var client in clients)
            {
                client.WaitForLine(ClientProtocol.Ready, ClientTimeout);
            }

            foreach (var client in clients)
            {
                client.WriteLine(ClientProtocol.Go);
            }

            var results = await Task.WhenAll(clients.Select(client => Task.Run(() => ClientProtocol.ParseResult(client.WaitForLine(ClientProtocol.ResultPrefix, ClientTimeout))))).ConfigureAwait(false);
            foreach (var client in clients)
            {
                await client.WaitForExitAsync().ConfigureAwait(false);
            }

            return [.. results];
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    internal static HttpIngest Summarize(List<ClientResult> results, double scanRate, double serverCpuSeconds)
    {
        var seconds = (results.Max(r => r.EndUnixMs) - results.Min(r => r.StartUnixMs)) / 1000.0;
        var accepted = results.Sum(r => r.Accepted);
        var rate = accepted / Math.Max(0.001, seconds);
        return new HttpIngest(
            results.Sum(r => r.Segments), accepted, results.Sum(r => r.Unprocessed), results.Sum(r => r.FailedRequests), seconds, rate, rate / scanRate,
            results.Max(r => r.LatencyP50Ms), results.Max(r => r.LatencyP99Ms), serverCpuSeconds, serverCpuSeconds * 1e6 / Math.Max(1, accepted),
            results.Sum(r => r.CpuSeconds) * 1e6 / Math.Max(1, accepted), results.Select(r => r.FirstError).FirstOrDefault(e => e is not null),
            WarmRate(results));
    }

    /// <summary>
    /// The rate over the last four fifths of the segments acknowledged: a server and clients just started spend their first seconds
    /// compiling (the JIT took a sixth of the server's CPU in the first half of a 1 M ingest, nothing in the second).
    /// </summary>
    private static double WarmRate(List<ClientResult> results)
    {
        var acknowledged = results.SelectMany(r => r.Acknowledgements ?? []).OrderBy(a => a.UnixMs).ToList();
        var total = acknowledged.Sum(a => (long)a.Segments);
        long before = 0;
        foreach (var acknowledgement in acknowledged)
        {
            before += acknowledgement.Segments;
            if (before * 5 >= total)
            {
                var seconds = (results.Max(r => r.EndUnixMs) - acknowledgement.UnixMs) / 1000.0;
                return (total - before) / Math.Max(0.001, seconds);
            }
        }

        return 0;
    }

    private static async Task RunToEndAsync(string fileName, string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}.");
        }
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
