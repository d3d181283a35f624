using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tracevault.Benchmarks.Load;

/// <summary>
/// <c>console --data DIR [--compare SERVER_DLL] [--rounds R] [--requests N] [--out DIR]</c>: times the console's pages (the load
/// harness's console probe) on a store <c>load --keep</c> left, over a custom range that holds its whole HTTP corpus. With
/// <c>--compare</c>, a second server build opens the same store and the two are probed in alternating order each round, so a change
/// to a read path is measured against its base on the same data, as a ratio.
/// </summary>
internal static class ConsoleComparison
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static async Task<int> RunAsync(HarnessArguments args)
    {
        var dataDirectory = Path.GetFullPath(args.Required("data"));
        var corpus = JsonSerializer.Deserialize<KeptCorpus>(await File.ReadAllTextAsync(Path.Combine(dataDirectory, QueryComparison.CorpusFileName)).ConfigureAwait(false))
            ?? throw new InvalidDataException($"{QueryComparison.CorpusFileName} is empty.");
        var rounds = args.Int("rounds", 3);
        var requests = args.Int("requests", 5);
        var segmentsInRange = args.Long("segments-in-range", 0);
        var output = args.String("out");

        // The whole corpus: trace ids carry the base time minus up to the spread; whole minutes either side.
        var baseTime = DateTimeOffset.FromUnixTimeSeconds(corpus.BaseTime);
        var start = baseTime.AddMinutes(-corpus.SpreadMinutes - 2);
        var end = baseTime.AddMinutes(2);
        var range = "range=custom&start=" + Uri.EscapeDataString(Minute(start)) + "&end=" + Uri.EscapeDataString(Minute(end));

        var builds = new List<(string Name, string Dll)> { ("this checkout", RepositoryPaths.ServerDll) };
        if (args.String("compare") is { } other)
        {
            builds.Add(("the other build", Path.GetFullPath(other)));
        }

        var machine = MachineInfo.Read();
        var servers = builds.Select(build => ServerProcess.Start(build.Dll, dataDirectory)).ToList();
        try
        {
            foreach (var server in servers)
            {
                await ProcStatus.WaitForIdleAsync(server.Pid, TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            }

            var load = new List<LoadAverage> { LoadAverage.Read() };
            var measured = builds.Select(_ => new List<List<ConsolePage>>()).ToList();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var i in round % 2 == 0 ? Enumerable.Range(0, builds.Count) : Enumerable.Range(0, builds.Count).Reverse())
                {
                    // With --profile, this checkout's server is sampled during its first round (EventPipe, as for ingest).
                    var profilePath = Path.Combine(Path.GetTempPath(), "tracevault-console.nettrace");
                    var profiler = args.Flag("profile") && i == 0 && round == 0 ? IngestProfiler.Start(servers[i].Pid, profilePath) : null;
                    var pages = await ConsoleProbe.MeasureAsync(servers[i].Endpoint, servers[i].Credentials, requests, range, servers[i].Pid).ConfigureAwait(false);
                    if (profiler is not null)
                    {
                        await profiler.StopAsync().ConfigureAwait(false);
                        var report = Path.Combine(output ?? Path.GetTempPath(), "console-profile.md");
                        Directory.CreateDirectory(Path.GetDirectoryName(report)!);
                        await File.WriteAllTextAsync(report, "# Server CPU profile during the console probe\n\n" + IngestProfiler.Report(profilePath, top: 150)).ConfigureAwait(false);
                        Log($"wrote {report}");
                    }

                    measured[i].Add(pages);
                    Log(Invariant($"round {round + 1}, {builds[i].Name}: ") + string.Join("; ", pages.Where(p => p.Latencies.Count > 0).Select(p => Invariant($"{p.Name} p50 {p.Latencies.P50Ms:N0} max {p.Latencies.MaxMs:N0}"))));
                }
            }

            load.Add(LoadAverage.Read());
            var result = new ConsoleRun(machine, corpus, range, segmentsInRange, rounds, requests, load, [.. builds.Select((b, i) => new ConsoleBuild(b.Name, b.Dll, Merge(measured[i])))]);
            var markdown = Markdown(result, measured);
            await Console.Out.WriteLineAsync(markdown).ConfigureAwait(false);
            if (output is not null)
            {
                Directory.CreateDirectory(output);
                var name = args.String("name") ?? "console-latest";
                await File.WriteAllTextAsync(Path.Combine(output, name + ".json"), JsonSerializer.Serialize(result, JsonOptions) + "\n").ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(output, name + ".md"), markdown).ConfigureAwait(false);
                Log($"wrote {Path.Combine(output, name)}.md and .json");
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

    /// <summary>Each page over every round: p50 the median of the rounds' p50s, max the slowest load of any round.</summary>
    private static List<ConsolePage> Merge(List<List<ConsolePage>> rounds) =>
        [.. rounds[0].Select((page, p) =>
        {
            var measured = rounds.Select(r => r[p].Latencies).Where(l => l.Count > 0).ToList();
            return page with
            {
                Latencies = measured.Count == 0
                    ? page.Latencies
                    : new Latencies(measured.Sum(l => l.Count), Percentiles.Of([.. measured.Select(l => l.P50Ms)], 50), Percentiles.Of([.. measured.Select(l => l.P99Ms)], 50), measured.Max(l => l.MaxMs)),

                // The first round's first load is the server's first view of the range (later rounds find it opened already).
                FirstMs = rounds[0][p].FirstMs,
                ServerCpuMs = Percentiles.Of([.. rounds.Select(r => r[p].ServerCpuMs)], 50),
            };
        })];

    private static string Markdown(ConsoleRun run, List<List<List<ConsolePage>>> measured)
    {
        var m = run.Machine;
        var b = new StringBuilder();
        b.Append(Invariant($"Run of {m.Date:yyyy-MM-dd HH:mm} UTC on {m.CpuModel}, {m.Cores} cores, {m.Os}, {m.Runtime}; commit `{m.Commit[..Math.Min(12, m.Commit.Length)]}`{(m.Dirty ? " (with uncommitted changes)" : "")}.\n"));
        b.Append(Invariant($"Kept store: {run.Corpus.Traces:N0} traces (seed {run.Corpus.Seed}) dated over {run.Corpus.SpreadMinutes} minutes{(run.SegmentsInRange > 0 ? Invariant($", {run.SegmentsInRange:N0} segments") : "")}; range `{Uri.UnescapeDataString(run.Range)}` (the whole corpus). "));
        b.Append(Invariant($"{run.Rounds} rounds × {run.Requests} loads per page after one untimed, signed in, one at a time{(run.Builds.Count == 2 ? ", the two builds in alternating order each round" : "")}; load average (1/5/15 min) {run.LoadAverage[0]} at the start, {run.LoadAverage[^1]} at the end.\n\n"));
        var ours = run.Builds[0].Pages;
        var yardstick = ours.First(p => p.Latencies.Count > 0).Latencies.P50Ms;
        if (run.SegmentsInRange > 0)
        {
            b.Append(ConsoleReport.Verdict(ours, run.SegmentsInRange, run.LoadAverage[^1])).Append("\n\n");
        }

        b.Append(ConsoleReport.Table(ours, run.SegmentsInRange > 0 ? run.SegmentsInRange : 1_000_000, yardstick, "Traces p50"));
        if (run.Builds.Count == 2)
        {
            b.Append(Invariant($"\n{run.Builds[0].Name} / {run.Builds[1].Name} ({run.Builds[1].Dll}), median of the rounds' paired p50 ratios:\n\n| page | this checkout p50 ms | other build p50 ms | ratio | this checkout server CPU ms | other build server CPU ms | CPU ratio |\n|---|---|---|---|---|---|---|\n"));
            for (var p = 0; p < ours.Count; p++)
            {
                var theirs = run.Builds[1].Pages[p];
                if (ours[p].Latencies.Count == 0 || theirs.Latencies.Count == 0)
                {
                    continue;
                }

                var ratios = measured[0].Zip(measured[1], (a, c) => a[p].Latencies.P50Ms / c[p].Latencies.P50Ms).ToList();
                var cpuRatios = measured[0].Zip(measured[1], (a, c) => a[p].ServerCpuMs / Math.Max(0.001, c[p].ServerCpuMs)).ToList();
                b.Append(Invariant($"| {ours[p].Name} | {ours[p].Latencies.P50Ms:N0} | {theirs.Latencies.P50Ms:N0} | {Percentiles.Of(ratios, 50):F2} | {ours[p].ServerCpuMs:N0} | {theirs.ServerCpuMs:N0} | {Percentiles.Of(cpuRatios, 50):F2} |\n"));
            }
        }

        return b.ToString();
    }

    private static string Minute(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
