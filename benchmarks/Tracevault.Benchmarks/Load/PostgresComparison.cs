using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracevault.Benchmarks.Corpus;
using Tracevault.Storage.Postgres;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// <c>load --postgres CONNECTION</c>: the same corpus, clients and read probes against SQLite, PostgreSQL with one node and
/// PostgreSQL with two nodes (two <c>serve</c> processes sharing the database, the second with a copy of the first's
/// <c>root.key</c>, the clients split between them), each on a fresh store, in one run; reports the ratios PostgreSQL / SQLite.
/// </summary>
/// <remarks>
/// CONNECTION names a server on this machine (its processes' CPU is read from <c>/proc</c>) and a user that may create
/// databases: each configuration gets a database of its own, dropped afterwards. Keep a password out of the command line
/// (<c>PGPASSWORD</c> or <c>~/.pgpass</c>; the nodes inherit the environment).
/// </remarks>
internal static class PostgresComparison
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly string[] SqliteTraceTables = ["chunks", "blind_index", "undated_index", "trace_index", "chunk_dictionaries"];

    public static async Task<int> RunAsync(HarnessArguments args)
    {
        var connection = PostgresConnectionString.Parse(args.Required("postgres"));
        var postgres = new PostgresServerProbe(connection);
        var segmentsWanted = args.Long("segments", 200_000);
        var clients = args.Int("clients", 2);
        var concurrency = args.Int("concurrency", 4);
        var batch = args.Int("batch", 50);
        var seed = args.Int("seed", 42);
        var spreadMinutes = args.Int("spread-minutes", 50);
        var batchGetRequests = args.Int("batch-get-requests", 300);
        var summaryRequests = args.Int("summary-requests", 10);
        var output = Path.GetFullPath(args.String("out") ?? Path.Combine(RepositoryPaths.Root, "benchmarks", "results", "postgres"));
        if (!args.Flag("no-build"))
        {
            Log("building the Release server");
            using var build = ChildProcess.Start("dotnet", ["build", "-c", "Release", "-v", "q", "-nologo", Path.Combine(RepositoryPaths.Root, "src", "Tracevault.Server")], redirectInput: false);
            await build.WaitForExitAsync().ConfigureAwait(false);
        }

        var machine = MachineInfo.Read();
        var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
        var baseTime = DateTimeOffset.UtcNow;
        var traces = new CorpusGenerator(seed, baseTime, TimeSpan.FromMinutes(spreadMinutes)).TracesFor(segmentsWanted);
        var generator = new CorpusGenerator(seed, baseTime, TimeSpan.FromMinutes(spreadMinutes), traces: traces);
        var segments = Enumerable.Range(0, traces).Sum(generator.SegmentCount);
        var shares = LoadHarness.Shares(seed, baseTime, traces, clients, spreadMinutes);
        var probed = Enumerable.Range(0, 2000).Select(i => new Random(i).Next(traces)).Distinct().ToList();
        var traceIds = probed.Select(i => generator.Trace(i).TraceId).ToList();
        var segmentsOf = probed.ToDictionary(i => generator.Trace(i).TraceId, generator.SegmentCount, StringComparer.Ordinal);
        Log(Invariant($"corpus: {segments:N0} segments in {traces:N0} traces; {clients} clients × {concurrency} in flight, batches of {batch}; PostgreSQL {PostgresConnectionString.Describe(connection)}"));

        var runs = new List<BackendRun>();
        foreach (var (name, nodes) in new[] { ("SQLite", 0), ("PostgreSQL, 1 node", 1), ("PostgreSQL, 2 nodes", 2) })
        {
            var directories = Enumerable.Range(0, Math.Max(1, nodes)).Select(_ => Directory.CreateTempSubdirectory("tracevault-pgbench-").FullName).ToList();
            var database = string.Create(CultureInfo.InvariantCulture, $"tvbench_{Environment.ProcessId}_{Math.Max(1, nodes)}_{runs.Count}");
            var servers = new List<ServerProcess>();
            try
            {
                var store = nodes == 0 ? null : postgres.CreateDatabase(database);
                string[] extra = store is null ? [] : ["--postgres", store.ConnectionString];
                servers.Add(ServerProcess.Start(RepositoryPaths.ServerDll, directories[0], otlp: false, extra));
                for (var node = 1; node < nodes; node++)
                {
                    File.Copy(Path.Combine(directories[0], "root.key"), Path.Combine(directories[node], "root.key"));
                    servers.Add(ServerProcess.Start(RepositoryPaths.ServerDll, directories[node], otlp: false, extra));
                }

                Log($"{name}: nodes {string.Join(", ", servers.Select(s => $"{s.Pid} on {s.Endpoint}"))}");
                foreach (var server in servers)
                {
                    await ProcStatus.WaitForIdleAsync(server.Pid, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                }

                var nodeCpuBefore = servers.Select(s => ProcStatus.CpuSeconds(s.Pid)).ToList();
                var postgresCpuBefore = store is null ? 0 : postgres.CpuSeconds();
                var results = await LoadHarness.RunClientsAsync(shares.Select((share, i) => share.ToArguments().Prepend("client").Concat(
                [
                    "--endpoint", servers[i % servers.Count].Endpoint.ToString(), "--credentials", servers[0].CredentialsPath,
                    "--batch", batch.ToString(CultureInfo.InvariantCulture), "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture),
                ]))).ConfigureAwait(false);
                var nodeCpu = servers.Select((s, i) => ProcStatus.CpuSeconds(s.Pid) - nodeCpuBefore[i]).ToList();
                var postgresCpu = store is null ? 0 : postgres.CpuSeconds() - postgresCpuBefore;
                var loadAfterIngest = File.ReadAllText("/proc/loadavg").Trim();
                var ingest = LoadHarness.Summarize(results, 1, nodeCpu.Sum());
                Log(Invariant($"{name}: {ingest.Accepted:N0} segments in {ingest.Seconds:F1} s = {ingest.SegmentsPerSecond:N0}/s (once warm {ingest.WarmSegmentsPerSecond:N0}/s), {ingest.Unprocessed} unprocessed, {ingest.FailedRequests} failed{(ingest.FirstError is null ? "" : ": " + ingest.FirstError)}; CPU µs/segment: nodes {string.Join(" + ", nodeCpu.Select(c => (c * 1e6 / Math.Max(1, ingest.Accepted)).ToString("F1", CultureInfo.InvariantCulture)))}, PostgreSQL {postgresCpu * 1e6 / Math.Max(1, ingest.Accepted):F1}, clients {ingest.ClientCpuMicrosecondsPerSegment:F1}"));
                if (ingest.FailedRequests > 0 || ingest.Unprocessed > 0)
                {
                    throw new InvalidDataException($"{name}: {ingest.FailedRequests} failed requests, {ingest.Unprocessed} unprocessed: {ingest.FirstError}");
                }

                foreach (var server in servers)
                {
                    await ProcStatus.WaitForIdleAsync(server.Pid, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                }

                long traceBytes, wholeBytes;
                Dictionary<string, long> perTable;
                if (store is null)
                {
                    var disk = DiskUsage.Measure(Path.Combine(directories[0], "tracevault.db"));
                    perTable = (disk.BytesPerTable ?? []).Where(t => IsSqliteTraceTable(t.Key)).ToDictionary();
                    traceBytes = disk.BytesPerTable is null ? disk.TotalBytes : perTable.Values.Sum();
                    wholeBytes = disk.TotalBytes;
                }
                else
                {
                    (traceBytes, wholeBytes, perTable) = postgres.Sizes(store);
                }

                using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
                var probe = new QueryProbe(http, new XRaySigner(servers[0].Endpoint, servers[0].Credentials, "us-east-1"));
                var warmUp = System.Diagnostics.Stopwatch.StartNew();
                for (var round = 0; warmUp.Elapsed < TimeSpan.FromSeconds(3); round++)
                {
                    await probe.BatchGetTracesAsync(traceIds, segmentsOf, 50, seed + 100 + round).ConfigureAwait(false);
                }

                var batchGet = Latencies.Of(await probe.BatchGetTracesAsync(traceIds, segmentsOf, batchGetRequests, seed + 1).ConfigureAwait(false));
                await probe.GetTraceSummariesAsync(DateTimeOffset.UtcNow, "gold", 3).ConfigureAwait(false);
                var (summaryLatencies, summaries, processed) = await probe.GetTraceSummariesAsync(DateTimeOffset.UtcNow, "gold", summaryRequests).ConfigureAwait(false);
                var summary = Latencies.Of(summaryLatencies);
                var stored = await probe.CountStoredAsync(shares.SelectMany(share => share.SentTraces())).ConfigureAwait(false);
                Log(Invariant($"{name}: {(store is null && perTable.Count == 0 ? "database file" : "trace tables")} {traceBytes:N0} bytes = {(double)traceBytes / Math.Max(1, stored.SegmentsStored):F1} per segment; BatchGetTraces p50 {batchGet.P50Ms:F1} / p99 {batchGet.P99Ms:F1} ms; GetTraceSummaries p50 {summary.P50Ms:F0} / max {summary.MaxMs:F0} ms ({summaries} summaries, {processed:N0} processed); stored {stored.SegmentsStored:N0} of {stored.SegmentsSent:N0}"));
                if (stored.SegmentsStored < stored.SegmentsSent)
                {
                    throw new InvalidDataException($"{name}: the store holds {stored.SegmentsStored} of the {stored.SegmentsSent} segments acknowledged.");
                }

                runs.Add(new BackendRun(name, servers.Count, ingest, [.. nodeCpu.Select(c => c * 1e6 / Math.Max(1, ingest.Accepted))], postgresCpu * 1e6 / Math.Max(1, ingest.Accepted),
                    traceBytes, wholeBytes, perTable, stored.SegmentsStored, batchGet, summary, summaries, processed, loadAfterIngest));
            }
            finally
            {
                foreach (var server in servers)
                {
                    try
                    {
                        await server.StopAsync().ConfigureAwait(false);
                    }
                    catch (InvalidDataException)
                    {
                        // It stopped without its totals line; nothing here needs them.
                    }

                    server.Dispose();
                }

                if (nodes > 0)
                {
                    postgres.DropDatabase(database);
                }

                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                foreach (var directory in directories)
                {
                    Directory.Delete(directory, recursive: true);
                }
            }
        }

        Directory.CreateDirectory(output);
        var loadAfter = File.ReadAllText("/proc/loadavg").Trim();
        var report = Report(machine, segments, traces, clients, concurrency, batch, loadBefore, loadAfter, runs);
        await File.WriteAllTextAsync(Path.Combine(output, "postgres-latest.md"), report).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(output, "postgres-latest.json"), JsonSerializer.Serialize(new { machine, segments, traces, clients, concurrency, batch, loadBefore, loadAfter, runs }, Indented)).ConfigureAwait(false);
        Console.WriteLine(report);
        Log($"wrote {output}");
        return 0;
    }

    /// <summary>SQLite's trace tables and their indexes, as <c>dbstat</c> names them.</summary>
    private static bool IsSqliteTraceTable(string name) =>
        SqliteTraceTables.Any(table =>
            name == table || name.StartsWith(table + "_", StringComparison.Ordinal) || name.StartsWith("sqlite_autoindex_" + table + "_", StringComparison.Ordinal));

    private static string Report(MachineInfo machine, long segments, int traces, int clients, int concurrency, int batch, string loadBefore, string loadAfter, List<BackendRun> runs)
    {
        var sqlite = runs[0];
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Run of {machine.Date:yyyy-MM-dd HH:mm} UTC on {machine.CpuModel}, {machine.Cores} cores, {machine.MemoryBytes / (1L << 30)} GB RAM; commit `{machine.Commit[..Math.Min(12, machine.Commit.Length)]}`{(machine.Dirty ? " (with local changes)" : "")}."));
        text.AppendLine(Invariant($"Corpus: {segments:N0} segments in {traces:N0} traces (seed 42), {clients} client processes × {concurrency} requests in flight, batches of {batch}, SigV4-signed, default encryption, durable (a 200 only once committed). Load average (1/5/15 min) before: {loadBefore}; after: {loadAfter}."));
        text.AppendLine();
        text.AppendLine("| configuration | ingest segments/s (once warm) | ratio to SQLite | store bytes per segment (see below) | ratio | BatchGetTraces p50 / p99 ms | ratio p50 / p99 | GetTraceSummaries p50 / max ms | ratio p50 | CPU µs per segment: nodes, PostgreSQL, clients | load average after ingest |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var run in runs)
        {
            var bytes = (double)run.TraceBytes / Math.Max(1, run.SegmentsStored);
            var sqliteBytes = (double)sqlite.TraceBytes / Math.Max(1, sqlite.SegmentsStored);
            text.AppendLine(Invariant(
                $"| {run.Name} | {run.Ingest.SegmentsPerSecond:N0} ({run.Ingest.WarmSegmentsPerSecond:N0}) | {run.Ingest.SegmentsPerSecond / sqlite.Ingest.SegmentsPerSecond:F2} ({run.Ingest.WarmSegmentsPerSecond / sqlite.Ingest.WarmSegmentsPerSecond:F2}) | {bytes:F1} (whole database {(double)run.WholeBytes / Math.Max(1, run.SegmentsStored):F1}) | {bytes / sqliteBytes:F2} | {run.BatchGet.P50Ms:F1} / {run.BatchGet.P99Ms:F1} | {run.BatchGet.P50Ms / sqlite.BatchGet.P50Ms:F2} / {run.BatchGet.P99Ms / sqlite.BatchGet.P99Ms:F2} | {run.Summary.P50Ms:F0} / {run.Summary.MaxMs:F0} | {run.Summary.P50Ms / sqlite.Summary.P50Ms:F2} | {string.Join(" + ", run.NodeCpuMicrosecondsPerSegment.Select(c => c.ToString("F1", CultureInfo.InvariantCulture)))}, {run.PostgresCpuMicrosecondsPerSegment:F1}, {run.Ingest.ClientCpuMicrosecondsPerSegment:F1} | {run.LoadAfterIngest} |"));
        }

        text.AppendLine();
        text.AppendLine(sqlite.BytesPerTable.Count == 0
            ? "Store bytes: on PostgreSQL, `pg_total_relation_size` (table + indexes + TOAST) over every partition of the trace tables after a `CHECKPOINT` (the whole database, system catalogs included, beside it); on SQLite, the whole database file after a WAL checkpoint (this SQLite has no `dbstat` to split it by table; the tables other than the trace tables take a few pages)."
            : "Store bytes: on PostgreSQL, `pg_total_relation_size` (table + indexes + TOAST) over every partition of the trace tables after a `CHECKPOINT` (the whole database, system catalogs included, beside it); on SQLite, the same tables and their indexes from `dbstat` after a WAL checkpoint (the whole file beside it).");
        text.AppendLine();
        text.AppendLine("Each process on a 2-core machine of its own (an estimate: ingest bound by the process that needs the most CPU per segment, every process using both its cores, no network or disk wait counted):");
        text.AppendLine();
        foreach (var run in runs)
        {
            // A node handles 1/n of the segments: its CPU per segment of its own share is n times its share of the whole.
            var perProcess = run.NodeCpuMicrosecondsPerSegment.Select(c => ("a node", c)).Append(("the clients (each)", run.Ingest.ClientCpuMicrosecondsPerSegment / clients));
            if (run.PostgresCpuMicrosecondsPerSegment > 0)
            {
                perProcess = perProcess.Append(("PostgreSQL", run.PostgresCpuMicrosecondsPerSegment));
            }

            var (bottleneck, microseconds) = perProcess.MaxBy(p => p.Item2);
            text.AppendLine(Invariant($"- {run.Name}: about {2e6 / microseconds:N0} segments/s, bound by {bottleneck} ({microseconds:F1} CPU-µs per segment of the whole ingest)"));
        }

        return text.ToString();
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
