using System.Globalization;
using System.Text.Json;
using Tracevault.Benchmarks.Corpus;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// <c>queries --data DIR [--compare SERVER_DLL] [--rounds R] [--requests N]</c>: times the read APIs on a store the load harness
/// kept (<c>load --keep</c>), without loading it again. With <c>--compare</c>, a second server build opens the same store beside
/// this checkout's and the two are probed in alternating order each round, so a change to the read path is measured against its
/// base on the same data, minutes apart at most.
/// </summary>
internal static class QueryComparison
{
    /// <summary>The file in a kept data directory that says which corpus it holds.</summary>
    public const string CorpusFileName = "harness-corpus.json";

    public static async Task<int> RunAsync(HarnessArguments args)
    {
        var dataDirectory = Path.GetFullPath(args.Required("data"));
        var corpus = JsonSerializer.Deserialize<KeptCorpus>(await File.ReadAllTextAsync(Path.Combine(dataDirectory, CorpusFileName)).ConfigureAwait(false))
            ?? throw new InvalidDataException($"{CorpusFileName} is empty.");
        var rounds = args.Int("rounds", 6);
        var requests = args.Int("requests", 300);
        var summaryRequests = args.Int("summary-requests", 10);
        var baseTime = DateTimeOffset.FromUnixTimeSeconds(corpus.BaseTime);
        var generator = new CorpusGenerator(corpus.Seed, baseTime, TimeSpan.FromMinutes(corpus.SpreadMinutes), traces: corpus.Traces);
        var probed = Enumerable.Range(0, 2000).Select(i => new Random(i).Next(corpus.Traces)).Distinct().ToList();
        var traceIds = probed.Select(i => generator.Trace(i).TraceId).ToList();
        var segmentsOf = probed.ToDictionary(i => generator.Trace(i).TraceId, generator.SegmentCount, StringComparer.Ordinal);

        var builds = new List<(string Name, string Dll)> { ("this checkout", RepositoryPaths.ServerDll) };
        if (args.String("compare") is { } other)
        {
            builds.Add(("the other build", Path.GetFullPath(other)));
        }

        var servers = builds.Select(build => ServerProcess.Start(build.Dll, dataDirectory)).ToList();
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
        try
        {
            var probes = servers.Select(server => new QueryProbe(http, new XRaySigner(server.Endpoint, server.Credentials, "us-east-1"))).ToList();
            for (var i = 0; i < servers.Count; i++)
            {
                await ProcStatus.WaitForIdleAsync(servers[i].Pid, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
                Log($"{builds[i].Name}: server {servers[i].Pid} on {servers[i].Endpoint}");
            }

            // Untimed requests first, as in the load harness, so every server is past its JIT's first tiers.
            for (var i = 0; i < probes.Count; i++)
            {
                var warmUp = System.Diagnostics.Stopwatch.StartNew();
                for (var round = 0; warmUp.Elapsed < TimeSpan.FromSeconds(3); round++)
                {
                    await probes[i].BatchGetTracesAsync(traceIds, segmentsOf, 50, corpus.Seed + 100 + round).ConfigureAwait(false);
                }

                await probes[i].GetTraceSummariesAsync(baseTime.AddMinutes(1), "gold", 3).ConfigureAwait(false);
            }

            var batchGet = builds.Select(_ => new List<double>()).ToList();
            var summaries = builds.Select(_ => new List<double>()).ToList();
            var batchGetCpu = builds.Select(_ => new List<double>()).ToList();
            var summariesCpu = builds.Select(_ => new List<double>()).ToList();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var i in round % 2 == 0 ? Enumerable.Range(0, probes.Count) : Enumerable.Range(0, probes.Count).Reverse())
                {
                    var cpuBefore = ProcStatus.CpuSeconds(servers[i].Pid);
                    var batch = Latencies.Of(await probes[i].BatchGetTracesAsync(traceIds, segmentsOf, requests, corpus.Seed + round).ConfigureAwait(false));
                    var batchCpu = (ProcStatus.CpuSeconds(servers[i].Pid) - cpuBefore) * 1000 / requests;
                    cpuBefore = ProcStatus.CpuSeconds(servers[i].Pid);
                    var (summaryLatencies, _, _) = await probes[i].GetTraceSummariesAsync(baseTime.AddMinutes(1), "gold", summaryRequests).ConfigureAwait(false);
                    var summaryCpu = (ProcStatus.CpuSeconds(servers[i].Pid) - cpuBefore) * 1000 / Math.Max(1, summaryRequests);
                    var summary = Latencies.Of(summaryLatencies);
                    batchGet[i].Add(batch.P50Ms);
                    batchGetCpu[i].Add(batchCpu);
                    summaries[i].Add(summary.P50Ms);
                    summariesCpu[i].Add(summaryCpu);
                    Log(Invariant($"round {round + 1}, {builds[i].Name}: BatchGetTraces p50 {batch.P50Ms:F2} ms, p99 {batch.P99Ms:F2} ms, server CPU {batchCpu:F2} ms each; GetTraceSummaries p50 {summary.P50Ms:F0} ms, server CPU {summaryCpu:F0} ms each"));
                }
            }

            for (var i = 0; i < builds.Count; i++)
            {
                Log(Invariant($"{builds[i].Name}: medians over rounds: BatchGetTraces p50 {Percentiles.Of(batchGet[i], 50):F2} ms, server CPU {Percentiles.Of(batchGetCpu[i], 50):F2} ms each; GetTraceSummaries p50 {Percentiles.Of(summaries[i], 50):F0} ms, server CPU {Percentiles.Of(summariesCpu[i], 50):F0} ms each"));
            }

            if (builds.Count == 2)
            {
                static double Ratio(List<double> ours, List<double> theirs) => Percentiles.Of(ours.Zip(theirs, (a, b) => a / b).ToList(), 50);
                Log(Invariant($"this checkout / {builds[1].Name}, median of paired rounds: BatchGetTraces p50 {Ratio(batchGet[0], batchGet[1]):F3}, server CPU {Ratio(batchGetCpu[0], batchGetCpu[1]):F3}; GetTraceSummaries p50 {Ratio(summaries[0], summaries[1]):F3}, server CPU {Ratio(summariesCpu[0], summariesCpu[1]):F3}"));
            }

            return 0;
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.StopAsync().ConfigureAwait(false);
                server.Dispose();
            }
        }
    }

    /// <summary>Records in a kept data directory which corpus the harness loaded into it.</summary>
    public static Task WriteCorpusAsync(string dataDirectory, KeptCorpus corpus) =>
        File.WriteAllTextAsync(Path.Combine(dataDirectory, CorpusFileName), JsonSerializer.Serialize(corpus));

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The harness's HTTP corpus in a kept store: its seed, newest trace time (epoch seconds), size in traces and spread.</summary>
internal sealed record KeptCorpus(int Seed, long BaseTime, int Traces, int SpreadMinutes);
