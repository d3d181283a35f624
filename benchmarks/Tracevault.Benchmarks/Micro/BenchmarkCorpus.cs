using System.Security.Cryptography;
using System.Text;
using Tracevault.Benchmarks.Corpus;
using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Benchmarks.Micro;

/// <summary>The fixed inputs of the micro-benchmarks: one chunk's worth of corpus documents, a data key, a clock.</summary>
internal static class BenchmarkCorpus
{
    /// <summary>The documents per chunk, as the server's default <c>MaxSegmentsPerChunk</c>.</summary>
    public const int ChunkSegments = 4000;

    /// <summary>The seed every micro-benchmark uses.</summary>
    public const int Seed = 7;

    /// <summary>A fixed time, so the corpus is identical from run to run.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    public static List<byte[]> Documents(int count = ChunkSegments) => new CorpusGenerator(Seed, Now).Documents(count);

    public static List<ChunkSegment> Segments(IEnumerable<byte[]> documents) => documents.Select(document =>
    {
        var header = SegmentDocument.Parse(document, Now).Header;
        return new ChunkSegment(header.TraceId, header.Id, header.InProgress, header.StartTime, header.EndTime ?? header.StartTime, document);
    }).ToList();

    /// <summary>The layout of a chunk frame (formats 2 and 3) over all <paramref name="segments"/>: grouped by trace, traces in order of id, each document once.</summary>
    public static byte[] FrameLayout(IReadOnlyCollection<ChunkSegment> segments)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
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

        return buffer.ToArray();
    }

    /// <summary>A dictionary trained as the writer trains one: on the first 256 KB of documents under a data key, 32 KB.</summary>
    public static CompressionDictionary Dictionary(IEnumerable<byte[]> documents, DataKey dataKey)
    {
        var samples = new List<byte[]>();
        var bytes = 0;
        foreach (var document in documents.TakeWhile(_ => bytes < 256 * 1024))
        {
            samples.Add(document);
            bytes += document.Length;
        }

        return CompressionDictionary.Train(dataKey.Reference, samples, 32 * 1024);
    }

    /// <summary>A dictionary trained as the writer trains one for format 4: on the text of the documents without the values it keeps in columns.</summary>
    public static CompressionDictionary FieldDictionary(IEnumerable<byte[]> documents, DataKey dataKey) =>
        Dictionary(Segments(documents).Select(s => SegmentFieldEncoder.Sample(s.Document.Span, s.TraceId)), dataKey);

    public static DataKey DataKey() => new("default/1/20261128", RandomNumberGenerator.GetBytes(32), null);
}
