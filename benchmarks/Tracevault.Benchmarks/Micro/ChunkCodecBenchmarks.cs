using BenchmarkDotNet.Attributes;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>Sealing and opening one chunk of 4,000 corpus segments (encode, Brotli, AES-256-GCM).</summary>
[MemoryDiagnoser]
public class ChunkCodecBenchmarks
{
    private const string Account = "123456789012";

    private List<ChunkSegment> _segments = [];
    private DataKey _dataKey = null!;
    private StoredChunk _chunk = null!;

    [GlobalSetup]
    public void Setup()
    {
        _segments = BenchmarkCorpus.Segments(BenchmarkCorpus.Documents());
        _dataKey = BenchmarkCorpus.DataKey();
        var body = ChunkCodec.Seal(Account, 1, _dataKey, _segments);
        _chunk = new StoredChunk(1, Account, ChunkCodec.CurrentFormat, 0, 60, _dataKey.Reference, body, []);
        var bytes = _segments.Sum(s => s.Document.Length);
        Console.WriteLine($"// chunk of {_segments.Count} segments: {bytes} bytes of JSON, sealed {body.Length} bytes, {(double)body.Length / _segments.Count:F1} bytes per segment");
    }

    [Benchmark(Description = "ChunkCodec.Seal (4,000 segments)")]
    public int Seal() => ChunkCodec.Seal(Account, 1, _dataKey, _segments).Length;

    [Benchmark(Description = "ChunkCodec.Open (4,000 segments)")]
    public int Open() => ChunkCodec.Open(_chunk, _dataKey).Count;
}
