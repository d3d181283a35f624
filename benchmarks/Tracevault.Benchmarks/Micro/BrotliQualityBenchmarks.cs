using System.IO.Compression;
using BenchmarkDotNet.Attributes;

namespace Tracevault.Benchmarks.Micro;

/// <summary>
/// The compression step of <c>ChunkCodec.Seal</c> alone, at several Brotli qualities, on a 4,000-segment chunk body laid out as the codec
/// lays it out; the setup prints the compressed bytes per segment of each quality, the other half of the trade-off.
/// </summary>
[MemoryDiagnoser]
public class BrotliQualityBenchmarks
{
    private byte[] _plain = [];
    private byte[] _output = [];

    [Params(1, 2, 3, 4, 5, 9)]
    public int Quality { get; set; }

    [Params(22)]
    public int Window { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var segments = BenchmarkCorpus.Segments(BenchmarkCorpus.Documents());
        _plain = BenchmarkCorpus.FrameLayout(segments);
        _output = new byte[BrotliEncoder.GetMaxCompressedLength(_plain.Length)];
        var written = Compress();
        Console.WriteLine($"// quality {Quality}, window {Window}: {_plain.Length} bytes -> {written} bytes, {(double)written / segments.Count:F1} bytes per segment");
    }

    [Benchmark(Description = "Brotli compress (4,000 segments)")]
    public int Compress() => BrotliEncoder.TryCompress(_plain, _output, out var written, Quality, Window) ? written : -1;
}
