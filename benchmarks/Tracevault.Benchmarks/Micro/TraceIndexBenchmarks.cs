using BenchmarkDotNet.Attributes;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>The blind index of one 4,000-segment chunk: one HMAC per segment (before) against one per distinct trace id with a reused HMAC.</summary>
[MemoryDiagnoser]
public class TraceIndexBenchmarks
{
    private readonly byte[] _indexKey = new byte[32];
    private List<ChunkSegment> _segments = [];

    [GlobalSetup]
    public void Setup()
    {
        _segments = BenchmarkCorpus.Segments(BenchmarkCorpus.Documents());
        Console.WriteLine($"// {_segments.Count} segments, {_segments.Select(s => s.TraceId).Distinct(StringComparer.Ordinal).Count()} distinct trace ids");
    }

    [Benchmark(Baseline = true, Description = "one HMAC per segment (before)")]
    public int PerSegment()
    {
        var hashes = new HashSet<long>();
        foreach (var segment in _segments)
        {
            hashes.Add(TraceIndexHasher.Hash(_indexKey, segment.TraceId));
        }

        return hashes.Count;
    }

    [Benchmark(Description = "one HMAC per distinct trace id, reused (HashAll)")]
    public int PerTrace()
    {
        var traceIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var segment in _segments)
        {
            traceIds.Add(segment.TraceId);
        }

        return TraceIndexHasher.HashAll(_indexKey, traceIds).Length;
    }
}
