using System.Globalization;
using Tracevault.Benchmarks.Corpus;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// <c>ingest-compare --compare SERVER_DLL [--server SERVER_DLL] [--segments N] [--rounds R]</c>: PutTraceSegments ingest of this checkout's server (or <c>--server</c>'s) against
/// another build's, in rounds that alternate which goes first. Each run is a fresh server on a fresh data directory loaded with the
/// same corpus by the same clients, so a change to the write path is measured against its base minutes apart at most.
/// </summary>
internal static class IngestComparison
{
    public static async Task<int> RunAsync(HarnessArguments args)
    {
        var segments = args.Long("segments", 200_000);
        var rounds = args.Int("rounds", 4);
        var clients = args.Int("clients", 2);
        var concurrency = args.Int("concurrency", 4);
        var batch = args.Int("batch", 50);
        var seed = args.Int("seed", 42);
        var spreadMinutes = args.Int("spread-minutes", 50);
        var builds = new List<(string Name, string Dll)> { ("this checkout", Path.GetFullPath(args.String("server") ?? RepositoryPaths.ServerDll)), ("the other build", Path.GetFullPath(args.Required("compare"))) };
        var baseTime = DateTimeOffset.UtcNow;
        var traces = new CorpusGenerator(seed, baseTime, TimeSpan.FromMinutes(spreadMinutes)).TracesFor(segments);
        var shares = LoadHarness.Shares(seed, baseTime, traces, clients, spreadMinutes);
        var rates = builds.Select(_ => new List<double>()).ToList();
        var warm = builds.Select(_ => new List<double>()).ToList();
        var cpu = builds.Select(_ => new List<double>()).ToList();
        for (var round = 0; round < rounds; round++)
        {
            foreach (var i in round % 2 == 0 ? [0, 1] : new[] { 1, 0 })
            {
                var dataDirectory = Directory.CreateTempSubdirectory("tracevault-ingest-compare-").FullName;
                try
                {
                    using var server = ServerProcess.Start(builds[i].Dll, dataDirectory, otlp: false);
                    await ProcStatus.WaitForIdleAsync(server.Pid, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                    var cpuBefore = ProcStatus.CpuSeconds(server.Pid);
                    var results = await LoadHarness.RunClientsAsync(shares.Select(share => share.ToArguments().Prepend("client").Concat(
                    [
                        "--endpoint", server.Endpoint.ToString(), "--credentials", server.CredentialsPath,
                        "--batch", batch.ToString(CultureInfo.InvariantCulture), "--concurrency", concurrency.ToString(CultureInfo.InvariantCulture),
                    ]))).ConfigureAwait(false);
                    var ingest = LoadHarness.Summarize(results, 1, ProcStatus.CpuSeconds(server.Pid) - cpuBefore);
                    await server.StopAsync().ConfigureAwait(false);
                    if (ingest.FailedRequests > 0 || ingest.Unprocessed > 0)
                    {
                        throw new InvalidDataException($"{builds[i].Name}: {ingest.FailedRequests} failed requests, {ingest.Unprocessed} unprocessed: {ingest.FirstError}");
                    }

                    rates[i].Add(ingest.SegmentsPerSecond);
                    warm[i].Add(ingest.WarmSegmentsPerSecond);
                    cpu[i].Add(ingest.ServerCpuMicrosecondsPerSegment);
                    Log(Invariant($"round {round + 1}, {builds[i].Name}: {ingest.Accepted:N0} segments in {ingest.Seconds:F1} s = {ingest.SegmentsPerSecond:N0}/s, once warm {ingest.WarmSegmentsPerSecond:N0}/s; server CPU {ingest.ServerCpuMicrosecondsPerSegment:F1} µs per segment"));
                }
                finally
                {
                    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                    Directory.Delete(dataDirectory, recursive: true);
                }
            }
        }

        for (var i = 0; i < builds.Count; i++)
        {
            Log(Invariant($"{builds[i].Name}: medians over {rounds} rounds: {Percentiles.Of(rates[i], 50):N0} segments/s, once warm {Percentiles.Of(warm[i], 50):N0}/s, server CPU {Percentiles.Of(cpu[i], 50):F1} µs per segment"));
        }

        static double Ratio(List<double> ours, List<double> theirs) => Percentiles.Of(ours.Zip(theirs, (a, b) => a / b).ToList(), 50);
        Log(Invariant($"this checkout / the other build, median of paired rounds: rate {Ratio(rates[0], rates[1]):F3} (each: {string.Join(" / ", rates[0].Zip(rates[1], (a, b) => (a / b).ToString("F3", CultureInfo.InvariantCulture)))}), once warm {Ratio(warm[0], warm[1]):F3}, server CPU per segment {Ratio(cpu[0], cpu[1]):F3} (each: {string.Join(" / ", cpu[0].Zip(cpu[1], (a, b) => (a / b).ToString("F3", CultureInfo.InvariantCulture)))})"));
        return 0;
    }

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
