using System.Globalization;
using System.Text;
using Tracevault.Benchmarks.Load;

namespace Tracevault.Benchmarks.Corpus;

/// <summary><c>corpus [--segments N] [--seed S]</c>: prints the corpus's shape and one sample trace, to check it looks like SDK output.</summary>
internal static class CorpusStatistics
{
    public static int Run(HarnessArguments args)
    {
        var seed = args.Int("seed", 42);
        var segments = args.Int("segments", 100_000);
        var generator = new CorpusGenerator(seed, DateTimeOffset.UtcNow);
        var traces = generator.TracesFor(segments);
        var sizes = new List<int>();
        var perTrace = new List<int>();
        for (var i = 0; i < traces; i++)
        {
            var trace = generator.Trace(i);
            perTrace.Add(trace.Documents.Count);
            sizes.AddRange(trace.Documents.Select(d => d.Length));
        }

        sizes.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{sizes.Count:N0} segments in {traces:N0} traces, {generator.Services.Count} services; bytes: mean {sizes.Average():F0}, p10 {sizes[sizes.Count / 10]}, p50 {sizes[sizes.Count / 2]}, p90 {sizes[sizes.Count * 9 / 10]}, max {sizes[^1]}; segments per trace: mean {perTrace.Average():F1}, max {perTrace.Max()}"));
        foreach (var document in generator.Trace(3).Documents.Take(3))
        {
            Console.WriteLine(Encoding.UTF8.GetString(document));
        }

        return 0;
    }
}
