using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using Tracevault.Benchmarks.Corpus;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>
/// The compression step of a chunk frame alone: Brotli quality 3 (format 2), zstd level 1 without and with a dictionary
/// (format 3), at two frame sizes, on 4,000 segments laid out as the codec lays them out. The dictionary is trained as the writer
/// trains it: on the first 256 KB of documents sealed under the key, then used on the segments that follow. The setup prints the
/// bytes per segment, the other half of the trade-off.
/// </summary>
[MemoryDiagnoser]
public class FrameCompressionBenchmarks
{
    private List<byte[]> _frames = [];
    private List<byte[]> _compressed = [];
    private CompressionDictionary _dictionary = CompressionDictionary.None;

    [Params("brotli-q3", "zstd-1", "zstd-1-dictionary")]
    public string Codec { get; set; } = "";

    [Params(32, 128)]
    public int FrameKilobytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var documents = new CorpusGenerator(BenchmarkCorpus.Seed, BenchmarkCorpus.Now, traces: 20_000).Documents(8000);
        _dictionary = Codec == "zstd-1-dictionary" ? BenchmarkCorpus.Dictionary(documents, BenchmarkCorpus.DataKey()) : CompressionDictionary.None;
        var plain = BenchmarkCorpus.FrameLayout(BenchmarkCorpus.Segments(documents.Skip(4000)));
        _frames = [];
        for (var at = 0; at < plain.Length; at += FrameKilobytes * 1024)
        {
            _frames.Add(plain.AsSpan(at, Math.Min(FrameKilobytes * 1024, plain.Length - at)).ToArray());
        }

        _compressed = _frames.Select(Compress).ToList();
        Console.WriteLine($"// {Codec}, {FrameKilobytes} KB frames: {plain.Length} bytes -> {_compressed.Sum(c => c.Length)} bytes, {(double)_compressed.Sum(c => c.Length) / 4000:F1} bytes per segment");
    }

    [Benchmark(Description = "compress every frame (4,000 segments)")]
    public int CompressAll() => _frames.Sum(f => Compress(f).Length);

    [Benchmark(Description = "decompress one frame")]
    public int DecompressOne() => Decompress(_compressed[0]).Length;

    private byte[] Compress(byte[] frame)
    {
        if (Codec != "brotli-q3")
        {
            var output = new byte[CompressionDictionary.MaxCompressedLength(frame.Length)];
            return output[.._dictionary.Compress(frame, output)];
        }

        var brotli = new byte[BrotliEncoder.GetMaxCompressedLength(frame.Length)];
        return BrotliEncoder.TryCompress(frame, brotli, out var written, 3, 22) ? brotli[..written] : throw new InvalidOperationException("Brotli failed.");
    }

    private byte[] Decompress(byte[] compressed)
    {
        if (Codec != "brotli-q3")
        {
            return _dictionary.Decompress(compressed);
        }

        var plain = new byte[FrameKilobytes * 1024 * 2];
        return BrotliDecoder.TryDecompress(compressed, plain, out var written) ? plain[..written] : throw new InvalidOperationException("Brotli failed.");
    }
}
