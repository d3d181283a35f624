using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Tracevault.Benchmarks.Micro;

/// <summary>Runs the BenchmarkDotNet micro-benchmarks: <c>micro [BenchmarkDotNet arguments, e.g. --filter '*']</c>.</summary>
internal static class MicroBenchmarks
{
    public static int Run(string[] args)
    {
        var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(RepositoryPaths.Root, "benchmarks", "results", "micro"));
        BenchmarkSwitcher.FromAssembly(typeof(MicroBenchmarks).Assembly).Run(args, config);
        return 0;
    }
}
