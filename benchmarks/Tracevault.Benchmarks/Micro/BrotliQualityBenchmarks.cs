using System.IO.Compression;
using System.Text;
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
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            // The layout of one ChunkCodec format 2 frame, here over the whole chunk: segments grouped by trace, traces in order of id,
            // each document once.
            var traces = segments.GroupBy(s => s.TraceId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            writer.Write7BitEncodedInt(traces.Count);
            foreach (var trace in traces)
            {
                writer.Write(trace.Key);
                writer.Write7BitEncodedInt(trace.Count());
                foreach (var segment in trace)
                {
                    writer.Write7BitEncodedInt(segment.Document.Length);
                    writer.Write(segment.Document.Span);
                }
            }
        }

        _plain = buffer.ToArray();
        _output = new byte[BrotliEncoder.GetMaxCompressedLength(_plain.Length)];
        var written = Compress();
        Console.WriteLine($"// quality {Quality}, window {Window}: {_plain.Length} bytes -> {written} bytes, {(double)written / segments.Count:F1} bytes per segment");
    }

    [Benchmark(Description = "Brotli compress (4,000 segments)")]
    public int Compress() => BrotliEncoder.TryCompress(_plain, _output, out var written, Quality, Window) ? written : -1;
}
