using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Tracevault.Keys.Envelope;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Tests.XRay;

/// <summary>
/// Chunk bodies built by hand as formats 1 to 3 were written (Brotli quality 3 or zstd, AES-256-GCM), independently of the codec: the
/// product writes none of them any more but must still open them.
/// </summary>
internal static class LegacyChunkBodies
{
    /// <summary>Format 1: one list of segments in arrival order, each with its trace id, id, state and times.</summary>
    public static byte[] Format1(string accountId, long chunkId, DataKey key, IReadOnlyList<ChunkSegment> segments) =>
        Sealed(key, AssociatedData(1, accountId, chunkId, key, part: null), writer =>
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
        });

    /// <summary>Format 2: one Brotli frame of the segments grouped by trace, in order of trace id, and a directory without a dictionary.</summary>
    public static byte[] Format2(string accountId, long chunkId, DataKey key, IReadOnlyList<ChunkSegment> segments) =>
        OneFrame(2, accountId, chunkId, key, segments, dictionary: null);

    /// <summary>Format 3: as format 2 with the frame compressed by zstd with <paramref name="dictionary"/>, whose id the directory gives first.</summary>
    public static byte[] Format3(string accountId, long chunkId, DataKey key, IReadOnlyList<ChunkSegment> segments, CompressionDictionary dictionary) =>
        OneFrame(3, accountId, chunkId, key, segments, dictionary);

    private static byte[] OneFrame(int format, string accountId, long chunkId, DataKey key, IReadOnlyList<ChunkSegment> segments, CompressionDictionary? dictionary)
    {
        var plain = Encode(writer =>
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
        });
        var frameAssociatedData = AssociatedData(format, accountId, chunkId, key, part: 0);
        byte[] frame;
        if (dictionary is null)
        {
            frame = Sealed(key, frameAssociatedData, plain);
        }
        else
        {
            var compressed = new byte[CompressionDictionary.MaxCompressedLength(plain.Length)];
            frame = AeadSealer.Seal(key.Key, compressed.AsSpan(0, dictionary.Compress(plain, compressed)), frameAssociatedData);
        }

        var directory = AeadSealer.Seal(key.Key, Encode(writer =>
        {
            if (dictionary is not null)
            {
                writer.Write(dictionary.Id);
            }

            writer.Write7BitEncodedInt(1);
            writer.Write7BitEncodedInt(frame.Length);
            writer.Write(segments.Select(s => s.TraceId).Min(StringComparer.Ordinal)!);
        }), AssociatedData(format, accountId, chunkId, key, part: -1));
        return Encode(writer =>
        {
            writer.Write7BitEncodedInt(directory.Length);
            writer.Write(directory);
            writer.Write(frame);
        });
    }

    /// <summary>Brotli quality 3 behind a 4-byte little-endian length, then sealed.</summary>
    private static byte[] Sealed(DataKey key, byte[] associatedData, Action<BinaryWriter> write) => Sealed(key, associatedData, Encode(write));

    private static byte[] Sealed(DataKey key, byte[] associatedData, byte[] plain)
    {
        var compressed = new byte[BrotliEncoder.GetMaxCompressedLength(plain.Length) + 4];
        BinaryPrimitives.WriteInt32LittleEndian(compressed, plain.Length);
        Assert.True(BrotliEncoder.TryCompress(plain, compressed.AsSpan(4), out var written, 3, 22));
        return AeadSealer.Seal(key.Key, compressed.AsSpan(0, 4 + written), associatedData);
    }

    private static byte[] Encode(Action<BinaryWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            write(writer);
        }

        return buffer.ToArray();
    }

    private static byte[] AssociatedData(int format, string accountId, long chunkId, DataKey key, int? part) => Encoding.UTF8.GetBytes(part is { } p
        ? string.Create(CultureInfo.InvariantCulture, $"tracevault/chunk\n{format}\n{accountId}\n{chunkId}\n{key.Reference}\n{p}")
        : string.Create(CultureInfo.InvariantCulture, $"tracevault/chunk\n{format}\n{accountId}\n{chunkId}\n{key.Reference}"));
}
