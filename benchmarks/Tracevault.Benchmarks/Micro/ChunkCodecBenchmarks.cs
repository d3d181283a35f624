using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>
/// Sealing and opening one chunk of 4,000 corpus segments (encode, zstd without and with a dictionary trained on the 256 KB of
/// documents before them, AES-256-GCM); sealing also as it was before pooled buffers (format 1, Brotli quality 3).
/// </summary>
[MemoryDiagnoser]
public class ChunkCodecBenchmarks
{
    private const string Account = "123456789012";

    private List<ChunkSegment> _segments = [];
    private DataKey _dataKey = null!;
    private StoredChunk _chunk = null!;
    private CompressionDictionary _dictionary = null!;
    private StoredChunk _chunkWithDictionary = null!;

    [GlobalSetup]
    public void Setup()
    {
        _segments = BenchmarkCorpus.Segments(BenchmarkCorpus.Documents());
        _dataKey = BenchmarkCorpus.DataKey();
        var body = ChunkCodec.Seal(Account, 1, _dataKey, _segments);
        _chunk = new StoredChunk(1, Account, ChunkCodec.CurrentFormat, 0, 60, _dataKey.Reference, body, []);
        var bytes = _segments.Sum(s => s.Document.Length);
        Console.WriteLine($"// chunk of {_segments.Count} segments: {bytes} bytes of JSON, sealed {body.Length} bytes, {(double)body.Length / _segments.Count:F1} bytes per segment");
        _dictionary = BenchmarkCorpus.FieldDictionary(BenchmarkCorpus.Documents(BenchmarkCorpus.ChunkSegments + 1000).Skip(BenchmarkCorpus.ChunkSegments), _dataKey);
        var bodyWithDictionary = ChunkCodec.Seal(Account, 3, _dataKey, _segments, _dictionary);
        _chunkWithDictionary = new StoredChunk(3, Account, ChunkCodec.CurrentFormat, 0, 60, _dataKey.Reference, bodyWithDictionary, []) { DictionaryId = _dictionary.Id };
        Console.WriteLine($"// with a dictionary: sealed {bodyWithDictionary.Length} bytes, {(double)bodyWithDictionary.Length / _segments.Count:F1} bytes per segment");

        // What the old code sealed (format 1) still opens, segment for segment.
        var before = SealBefore(Account, 2, _dataKey, _segments, AeadSealer.Seal);
        var opened = ChunkCodec.Open(new StoredChunk(2, Account, 1, 0, 60, _dataKey.Reference, before, []), _dataKey);
        if (!opened.Select(s => s.Id).SequenceEqual(_segments.Select(s => s.Id), StringComparer.Ordinal))
        {
            throw new InvalidOperationException("A format 1 body does not open to the segments sealed in it.");
        }
    }

    [Benchmark(Baseline = true, Description = "ChunkCodec.Seal before (BinaryWriter, ToArray copies; 4,000 segments)")]
    public int SealBefore() => SealBefore(Account, 1, _dataKey, _segments, AeadSealer.Seal).Length;

    [Benchmark(Description = "ChunkCodec.Seal (4,000 segments)")]
    public int Seal() => ChunkCodec.Seal(Account, 1, _dataKey, _segments).Length;

    [Benchmark(Description = "ChunkCodec.Open (4,000 segments)")]
    public int Open() => ChunkCodec.Open(_chunk, _dataKey).Count;

    [Benchmark(Description = "ChunkCodec.Seal with a dictionary (4,000 segments)")]
    public int SealWithDictionary() => ChunkCodec.Seal(Account, 1, _dataKey, _segments, _dictionary).Length;

    [Benchmark(Description = "ChunkCodec.Open with a dictionary (4,000 segments)")]
    public int OpenWithDictionary() => ChunkCodec.Open(_chunkWithDictionary, _dataKey, _ => _dictionary).Count;

    /// <summary>ChunkCodec.Seal as it was at commit c976b51, kept to measure the change against.</summary>
    private static byte[] SealBefore(string accountId, long chunkId, DataKey dataKey, List<ChunkSegment> segments, ChunkCipher cipher)
    {
        byte[] plain;
        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write7BitEncodedInt(segments.Count);
                foreach (var segment in segments)
                {
                    writer.Write(segment.TraceId);
                    writer.Write(segment.Id);
                    writer.Write(segment.InProgress);
                    writer.Write(segment.StartTime);
                    writer.Write(segment.EndTime);
                    writer.Write7BitEncodedInt(segment.Document.Length);
                    writer.Write(segment.Document.Span);
                }
            }

            plain = buffer.ToArray();
        }

        var output = new byte[BrotliEncoder.GetMaxCompressedLength(plain.Length) + 4];
        BinaryPrimitives.WriteInt32LittleEndian(output, plain.Length);
        if (!BrotliEncoder.TryCompress(plain, output.AsSpan(4), out var written, 3, 22))
        {
            throw new InvalidOperationException("Brotli could not compress a chunk.");
        }

        var compressed = output[..(4 + written)];
        var aad = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"tracevault/chunk\n1\n{accountId}\n{chunkId}\n{dataKey.Reference}"));
        return cipher(dataKey.Key, compressed, aad);
    }
}
