using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Tracevault.Core.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>Validation on the ingest path against the floor: a bare <see cref="Utf8JsonReader"/> pass over the same documents.</summary>
[MemoryDiagnoser]
public class SegmentParseBenchmarks
{
    private List<byte[]> _documents = [];

    [GlobalSetup]
    public void Setup() => _documents = BenchmarkCorpus.Documents();

    [Benchmark(Baseline = true, OperationsPerInvoke = BenchmarkCorpus.ChunkSegments, Description = "Utf8JsonReader scan (per document)")]
    public int Scan()
    {
        var tokens = 0;
        foreach (var document in _documents)
        {
            var reader = new Utf8JsonReader(document);
            while (reader.Read())
            {
                tokens++;
            }
        }

        return tokens;
    }

    [Benchmark(OperationsPerInvoke = BenchmarkCorpus.ChunkSegments, Description = "SegmentDocument.Parse (per document)")]
    public int Parse()
    {
        var valid = 0;
        foreach (var document in _documents)
        {
            if (SegmentDocument.Parse(document, BenchmarkCorpus.Now).IsValid)
            {
                valid++;
            }
        }

        return valid;
    }
}
