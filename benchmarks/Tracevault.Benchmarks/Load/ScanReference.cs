using System.Diagnostics;
using System.Text.Json;

namespace Tracevault.Benchmarks.Load;

/// <summary>The reference rate: one core merely reading every token of the same documents with <see cref="Utf8JsonReader"/>.</summary>
internal static class ScanReference
{
    /// <summary>Documents per second, the best of several passes over <paramref name="documents"/> on the calling thread.</summary>
    public static double DocumentsPerSecond(IReadOnlyList<byte[]> documents, int passes = 5)
    {
        var best = double.MaxValue;
        var tokens = 0L;
        for (var pass = 0; pass < passes; pass++)
        {
            var clock = Stopwatch.StartNew();
            foreach (var document in documents)
            {
                var reader = new Utf8JsonReader(document);
                while (reader.Read())
                {
                    tokens++;
                }
            }

            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }

        GC.KeepAlive(tokens);
        return documents.Count / best;
    }
}
