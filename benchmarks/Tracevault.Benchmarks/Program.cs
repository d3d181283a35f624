using Tracevault.Benchmarks.Corpus;
using Tracevault.Benchmarks.Load;
using Tracevault.Benchmarks.Micro;

namespace Tracevault.Benchmarks;

/// <summary>
/// <c>micro [BenchmarkDotNet args]</c> runs the micro-benchmarks; <c>load [--segments N] [--clients C] [--out DIR]</c> runs the load harness;
/// <c>queries --data DIR</c> times the read APIs on a store <c>load --keep</c> left; <c>console --data DIR</c> times the console's pages on one;
/// <c>ingest-compare --compare DLL</c> times PutTraceSegments ingest of this checkout's server against another build's in alternating rounds;
/// <c>cost</c> runs the harness's in-process storage-path probe alone; <c>client …</c>, <c>otlp-client …</c> and <c>udp-client …</c> are the harness's own client processes.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            await Console.Error.WriteLineAsync("usage: micro [--filter '*'] | corpus [--segments N] [--seed S] | cost [--segments N] [--producers P] | load --postgres CONNECTION [--segments N] [--clients C] [--out DIR] | load [--segments N] [--spread-minutes M] [--clients C] [--concurrency K] [--udp-segments N] [--udp-rate R] [--otlp-segments N] [--profile-otlp] [--out DIR] [--readme] [--keep] | queries --data DIR [--compare SERVER_DLL] [--rounds R] [--requests N] | console --data DIR [--compare SERVER_DLL] [--rounds R] [--requests N] [--segments-in-range N] [--out DIR] [--name NAME] | ingest-compare --compare SERVER_DLL [--segments N] [--rounds R]").ConfigureAwait(false);
            return 2;
        }

        var rest = args[1..];
        return args[0] switch
        {
            "micro" => MicroBenchmarks.Run(rest),
            "corpus" => CorpusStatistics.Run(HarnessArguments.Parse(rest)),
            "cost" => EncryptionCostProbe.Run(HarnessArguments.Parse(rest)),
            "load" when rest.Contains("--postgres") => await PostgresComparison.RunAsync(HarnessArguments.Parse(rest)).ConfigureAwait(false),
            "load" => await LoadHarness.RunAsync(HarnessArguments.Parse(rest)).ConfigureAwait(false),
            "queries" => await QueryComparison.RunAsync(HarnessArguments.Parse(rest)).ConfigureAwait(false),
            "console" => await ConsoleComparison.RunAsync(HarnessArguments.Parse(rest)).ConfigureAwait(false),
            "client" => await HttpIngestClient.RunAsync(HarnessArguments.Parse(rest)).ConfigureAwait(false),
            "otlp-client" => await OtlpIngestClient.RunAsync(HarnessArguments.Parse(rest)).ConfigureAwait(false),
            "ingest-compare" => await IngestComparison.RunAsync(HarnessArguments.Parse(rest)).ConfigureAwait(false),
            "udp-client" => await UdpIngestClient.RunAsync(HarnessArguments.Parse(rest)).ConfigureAwait(false),
            _ => 2,
        };
    }
}
