using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;

namespace Tracevault.Storage.Traces;

/// <summary>Turns segments into a sealed chunk body and back: a versioned binary layout, compressed, then sealed with AES-256-GCM.</summary>
/// <remarks>
/// Format 5 (written): <c>salt (32) ‖ directory length ‖ sealed directory ‖ sealed frame 0 ‖ sealed frame 1 …</c>, every part sealed
/// under the chunk's own key, HKDF-SHA256 of the data key with the chunk's random salt (and the chunk's identity as info): a data key
/// seals no GCM message itself, so no count of its uses bounds how long it may live; under one chunk key only the directory and
/// the frames are sealed, a few random nonces. Otherwise as format 4 (read only), whose parts are sealed under the data key itself:
/// <c>directory length ‖ sealed directory ‖ sealed frame 0 ‖ sealed frame 1 …</c>; the segments grouped by
/// trace in ordinal order of trace id, cut into frames of whole traces, each sealed on its own; the sealed directory names the
/// dictionary and gives each frame's length, first trace id and the seconds its traces are dated in (<see cref="TraceDates"/>: the id's time, or for a
/// W3C id the earliest start), so reading a few traces, or the traces of a few seconds, opens only their frames. A frame holds the text of its documents with their ids, request ids and
/// times taken out (<see cref="SegmentField"/>), compressed (zstd, with the account's <see cref="CompressionDictionary"/> for the
/// data key when it has one), and the columns of those values. Format 3
/// (read only) is the same with the documents' whole text in the frame; format 2 (read only) that with Brotli frames and no
/// dictionary; format 1 (read only) one sealed, compressed stream of segments in arrival order. The associated data binds the
/// account, the chunk id, the format and the data-key reference (and from format 2 on the part), so nothing can be moved to
/// another chunk, account or place.
/// </remarks>
public static class ChunkCodec
{
    /// <summary>The body format this code writes; it reads formats 1 to 4 too.</summary>
    public const int CurrentFormat = 5;

    /// <summary>The bytes of random salt a format 5 body begins with, from which its chunk key is derived: 256 bits, as the AWS Encryption SDK's message id.</summary>
    public const int ChunkKeySaltSize = 32;

    /// <summary>
    /// A frame holds whole traces until its encoding reaches this size, and is compressed and sealed on its own, so reading a
    /// trace opens about this much, not the whole chunk. With a dictionary, 32 KB frames of the corpus took 111 bytes per segment,
    /// fewer than 128 KB frames without one (118; format 2's Brotli: 116), and opened in 22 µs (FrameCompressionBenchmarks). In
    /// format 4, paired 1 M harness runs: 64 KB frames take 2.3 bytes per segment less on disk than 32 KB (104.2 against 106.5)
    /// with BatchGetTraces and GetTraceSummaries within noise; 128 KB take 4.2 less, but double BatchGetTraces' p50 (1.4 to 2.8 ms).
    /// </summary>
    private const int FrameBytes = 64 * 1024;

    /// <summary>Without a dictionary a frame needs more of its own data to compress well: 32 KB frames take 140 bytes per segment, 128 KB frames 118.</summary>
    private const int FrameBytesWithoutDictionary = 128 * 1024;

    /// <summary>The most bytes a format 4 frame's 7-bit-encoded length of compressed text takes.</summary>
    private const int FramePrefixLength = 5;

    /// <summary>The associated-data part number of a format 2 to 5 body's directory (frames are numbered from 0).</summary>
    private const int DirectoryPart = -1;

    /// <summary>Compresses (without a dictionary) and seals <paramref name="segments"/> for chunk <paramref name="chunkId"/>.</summary>
    public static byte[] Seal(string accountId, long chunkId, DataKey dataKey, IReadOnlyList<ChunkSegment> segments) =>
        Seal(accountId, chunkId, dataKey, segments, CompressionDictionary.None, AeadSealer.Seal);

    /// <summary>Compresses with <paramref name="dictionary"/> (trained under <paramref name="dataKey"/>) and seals <paramref name="segments"/> for chunk <paramref name="chunkId"/>.</summary>
    public static byte[] Seal(string accountId, long chunkId, DataKey dataKey, IReadOnlyList<ChunkSegment> segments, CompressionDictionary dictionary) =>
        Seal(accountId, chunkId, dataKey, segments, dictionary, AeadSealer.Seal);

    /// <summary>As <see cref="Seal(string, long, DataKey, IReadOnlyList{ChunkSegment}, CompressionDictionary)"/>, with the cipher given: the benchmarks' seam to measure what sealing costs.</summary>
    internal static byte[] Seal(string accountId, long chunkId, DataKey dataKey, IReadOnlyList<ChunkSegment> segments, CompressionDictionary dictionary, ChunkCipher cipher)
    {
        if (dictionary.Id != 0 && !string.Equals(dictionary.DataKeyReference, dataKey.Reference, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("A chunk is compressed only with a dictionary of its own data key.");
        }

        var frameBytes = dictionary.Id == 0 ? FrameBytesWithoutDictionary : FrameBytes;
        // A trace's segments side by side compress better, and are read together. The sort is stable: a trace keeps its order.
        var traces = segments.GroupBy(s => s.TraceId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        var parts = new List<(int Start, int End, int Bytes)>();
        var firstTraceIds = new List<string>();
        var seconds = new List<(long First, long Last)>();
        for (var start = 0; start < traces.Count;)
        {
            // Whole traces only: a trace is read from one frame.
            var end = start;
            var bytes = 0;
            while (end < traces.Count && (end == start || bytes < frameBytes))
            {
                bytes += TraceLength(traces[end++]);
            }

            parts.Add((start, end, bytes));
            firstTraceIds.Add(traces[start][0].TraceId);
            seconds.Add(TraceSeconds(traces, start, end));
            start = end;
        }

        var salt = RandomNumberGenerator.GetBytes(ChunkKeySaltSize);
        var chunkKey = ChunkKey(dataKey, salt, accountId, chunkId, CurrentFormat);
        var frames = new byte[parts.Count][];
        byte[] directory;
        try
        {
            // Frames seal independently: a chunk's are spread over the cores, so a writer waiting on one chunk waits less.
            void Seal(int i)
            {
                var (start, end, bytes) = parts[i];
                frames[i] = SealFrame(traces.GetRange(start, end - start), bytes, dictionary, cipher, chunkKey, AssociatedData(accountId, chunkId, CurrentFormat, dataKey.Reference, i));
            }

            OnEveryCore.For(parts.Count, Seal);
            directory = cipher(chunkKey, EncodeDirectory(dictionary.Id, frames, firstTraceIds, seconds), AssociatedData(accountId, chunkId, CurrentFormat, dataKey.Reference, DirectoryPart));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(chunkKey);
        }

        var body = new byte[ChunkKeySaltSize + Varint.Length((uint)directory.Length) + directory.Length + frames.Sum(f => f.Length)];
        salt.CopyTo(body, 0);
        var at = ChunkKeySaltSize + Varint.Write(body.AsSpan(ChunkKeySaltSize), (uint)directory.Length);
        directory.CopyTo(body, at);
        at += directory.Length;
        foreach (var frame in frames)
        {
            frame.CopyTo(body, at);
            at += frame.Length;
        }

        return body;
    }

    /// <summary>Opens a sealed chunk body compressed without a dictionary; throws <see cref="System.Security.Cryptography.CryptographicException"/> when it was altered or moved.</summary>
    public static List<ChunkSegment> Open(StoredChunk chunk, DataKey dataKey) => Open(chunk, dataKey, NoDictionary, null);

    /// <summary>
    /// Opens a sealed chunk body of format 1 to 5, finding its dictionary (by id, 0 for none) with <paramref name="dictionaries"/>;
    /// throws <see cref="System.Security.Cryptography.CryptographicException"/> when it was altered or moved.
    /// </summary>
    public static List<ChunkSegment> Open(StoredChunk chunk, DataKey dataKey, Func<long, CompressionDictionary> dictionaries) => Open(chunk, dataKey, dictionaries, null);

    /// <summary>
    /// Opens only what a chunk holds of the traces <paramref name="traceIds"/>: from format 2 on, only the frames they are in.
    /// Throws <see cref="System.Security.Cryptography.CryptographicException"/> when what it opens was altered or moved.
    /// </summary>
    public static List<ChunkSegment> OpenTraces(StoredChunk chunk, DataKey dataKey, Func<long, CompressionDictionary> dictionaries, IReadOnlySet<string> traceIds) =>
        Open(chunk, dataKey, dictionaries, traceIds);

    /// <summary>As <see cref="OpenTraces(StoredChunk, DataKey, Func{long, CompressionDictionary}, IReadOnlySet{string})"/>, for a chunk compressed without a dictionary.</summary>
    public static List<ChunkSegment> OpenTraces(StoredChunk chunk, DataKey dataKey, IReadOnlySet<string> traceIds) => Open(chunk, dataKey, NoDictionary, traceIds);

    private static CompressionDictionary NoDictionary(long id) =>
        id == 0 ? CompressionDictionary.None : throw new InvalidOperationException($"A chunk compressed with dictionary {id} was opened without dictionaries.");

    private static List<ChunkSegment> Open(StoredChunk chunk, DataKey dataKey, Func<long, CompressionDictionary> dictionaries, IReadOnlySet<string>? traceIds)
    {
        var directory = OpenDirectory(chunk, dataKey);
        var frames = directory.Frames;
        var wanted = new List<int>(frames.Count);
        for (var frame = 0; frame < frames.Count; frame++)
        {
            var firstTraceId = frames[frame].FirstTraceId;
            var nextFirstTraceId = frame + 1 < frames.Count ? frames[frame + 1].FirstTraceId : null;
            if (traceIds is null || traceIds.Any(id => string.CompareOrdinal(id, firstTraceId) >= 0 && (nextFirstTraceId is null || string.CompareOrdinal(id, nextFirstTraceId) < 0)))
            {
                wanted.Add(frame);
            }
        }

        return OpenFrames(chunk, dataKey, dictionaries, directory, wanted, traceIds);
    }

    /// <summary>
    /// Opens a chunk's sealed directory: its frames, where each lies and which seconds its traces are dated in (a format 1 body is one
    /// frame). Throws <see cref="System.Security.Cryptography.CryptographicException"/> when the directory was altered or moved.
    /// </summary>
    internal static ChunkDirectory OpenDirectory(StoredChunk chunk, DataKey dataKey)
    {
        if (chunk.Format == 1)
        {
            return new ChunkDirectory(0, [new ChunkFrame(0, chunk.SealedBody.Length, string.Empty, chunk.MinTime, chunk.MaxTime)]);
        }

        if (chunk.Format is not (2 or 3 or 4 or CurrentFormat))
        {
            throw new InvalidDataException($"Chunk {chunk.Id} has format {chunk.Format}, which this version cannot read.");
        }

        var body = chunk.SealedBody;
        var at = chunk.Format == CurrentFormat ? ChunkKeySaltSize : 0;
        var directoryLength = Varint.ReadInt32(body, ref at);
        if (directoryLength < 0 || directoryLength > body.Length - at)
        {
            throw new CryptographicException($"Chunk {chunk.Id}'s directory does not fit in its body.");
        }

        // Derived once per read: the directory keeps the key its frames open with, for as long as the reader keeps the directory.
        var key = BodyKey(chunk, dataKey);
        var plain = AeadSealer.Open(key, body.AsSpan(at, directoryLength), AssociatedData(chunk.AccountId, chunk.Id, chunk.Format, chunk.DataKeyReference, DirectoryPart));
        return DecodeDirectory(chunk, plain, at + directoryLength) with { PartKey = key };
    }

    /// <summary>
    /// Opens the frames <paramref name="frames"/> (positions in <paramref name="directory"/>, ascending) of a chunk: their segments,
    /// or only those of the traces <paramref name="traceIds"/>. Throws <see cref="System.Security.Cryptography.CryptographicException"/>
    /// when a frame was altered or moved.
    /// </summary>
    internal static List<ChunkSegment> OpenFrames(StoredChunk chunk, DataKey dataKey, Func<long, CompressionDictionary> dictionaries, ChunkDirectory directory, IReadOnlyList<int> frames, IReadOnlySet<string>? traceIds)
    {
        if (chunk.Format == 1)
        {
            if (frames.Count == 0)
            {
                return [];
            }

            var whole = DecodeFormat1(Decompress(AeadSealer.Open(dataKey.Key, chunk.SealedBody, AssociatedData(chunk.AccountId, chunk.Id, 1, chunk.DataKeyReference))));
            return traceIds is null ? whole : whole.FindAll(s => traceIds.Contains(s.TraceId));
        }

        var dictionary = chunk.Format == 2 ? null : dictionaries(directory.DictionaryId);
        if (dictionary is not null && dictionary.Id != directory.DictionaryId)
        {
            throw new InvalidDataException($"Chunk {chunk.Id} was opened with another dictionary than its own.");
        }

        var key = directory.PartKey ?? BodyKey(chunk, dataKey);

        // Frames open independently: several of a chunk's are spread over the cores, and joined in their order.
        return OnEveryCore.Open(frames, frame =>
        {
            var (offset, length, _, _, _) = directory.Frames[frame];
            var compressed = AeadSealer.Open(key, chunk.SealedBody.AsSpan(offset, length), AssociatedData(chunk.AccountId, chunk.Id, chunk.Format, chunk.DataKeyReference, frame));
            var segments = new List<ChunkSegment>();
            if (chunk.Format >= 4)
            {
                DecodeFieldFrame(compressed, dictionary!, traceIds, segments);
            }
            else
            {
                Decode(dictionary is null ? Decompress(compressed) : dictionary.Decompress(compressed), traceIds, segments);
            }

            return segments;
        });
    }

    /// <summary>
    /// The key of one format 5 chunk: HKDF-SHA256 of the data key, salted with the chunk's random <paramref name="salt"/>, with the
    /// format, account, chunk id and data-key reference as info. Sealing zeroes it when done; a reader keeps it with the chunk's directory.
    /// </summary>
    private static byte[] ChunkKey(DataKey dataKey, ReadOnlySpan<byte> salt, string accountId, long chunkId, int format)
    {
        var key = new byte[dataKey.Key.Length];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, dataKey.Key, key, salt,
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"tracevault/chunk-key\n{format}\n{accountId}\n{chunkId}\n{dataKey.Reference}")));
        return key;
    }

    /// <summary>The key a chunk's parts are sealed under: its own derived key from format 5 on, the data key itself before.</summary>
    private static byte[] BodyKey(StoredChunk chunk, DataKey dataKey)
    {
        if (chunk.Format < CurrentFormat)
        {
            return dataKey.Key;
        }

        if (chunk.SealedBody.Length < ChunkKeySaltSize)
        {
            throw new CryptographicException($"Chunk {chunk.Id} is too short to hold its key's salt.");
        }

        return ChunkKey(dataKey, chunk.SealedBody.AsSpan(0, ChunkKeySaltSize), chunk.AccountId, chunk.Id, chunk.Format);
    }


    /// <summary>Each sealed part of a format 2 to 5 body has its own associated data: a frame cannot be moved within the chunk either.</summary>
    private static byte[] AssociatedData(string accountId, long chunkId, int format, string dataKeyReference, int part) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"tracevault/chunk\n{format}\n{accountId}\n{chunkId}\n{dataKeyReference}\n{part}"));

    private static byte[] AssociatedData(string accountId, long chunkId, int format, string dataKeyReference) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"tracevault/chunk\n{format}\n{accountId}\n{chunkId}\n{dataKeyReference}"));

    /// <summary>Encodes, compresses and seals one frame (format 4 and 5); <paramref name="tracesLength"/> is the sum of its traces' <see cref="TraceLength"/>.</summary>
    private static byte[] SealFrame(List<List<ChunkSegment>> traces, int tracesLength, CompressionDictionary dictionary, ChunkCipher cipher, byte[] key, byte[] associatedData)
    {
        // Encoded and compressed in pooled buffers, sealed straight from them: the sealed frame is the one array allocated for the data.
        // The text is at most the documents (a field's placeholder is shorter than its value), with a longer length before each.
        var textBound = Varint.Length((uint)traces.Count) + tracesLength + (traces.Sum(t => t.Count) * SegmentFieldEncoder.MaxPrefixLength);
        var text = ArrayPool<byte>.Shared.Rent(textBound);
        byte[]? frame = null;
        var frameBound = 0;
        using var fields = new SegmentFieldEncoder();
        try
        {
            var textLength = Encode(traces, fields, text);
            var columnsLength = fields.ColumnsLength;
            frameBound = FramePrefixLength + CompressionDictionary.MaxCompressedLength(textLength) + columnsLength;
            frame = ArrayPool<byte>.Shared.Rent(frameBound);
            var compressedLength = dictionary.Compress(text.AsSpan(0, textLength), frame.AsSpan(FramePrefixLength));
            var prefixLength = Varint.Write(frame, (uint)compressedLength);
            frame.AsSpan(FramePrefixLength, compressedLength).CopyTo(frame.AsSpan(prefixLength));
            fields.WriteColumns(frame.AsSpan(prefixLength + compressedLength, columnsLength));
            return cipher(key, frame.AsSpan(0, prefixLength + compressedLength + columnsLength), associatedData);
        }
        finally
        {
            // Trace data in the clear must not linger in buffers the rest of the process will rent (all they may hold, on failure too).
            text.AsSpan(0, textBound).Clear();
            ArrayPool<byte>.Shared.Return(text);
            if (frame is not null)
            {
                frame.AsSpan(0, frameBound).Clear();
                ArrayPool<byte>.Shared.Return(frame);
            }
        }
    }

    /// <summary>
    /// The directory: the dictionary id (8 bytes, little-endian; from format 3 on), a 7-bit-encoded frame count, then per frame its
    /// sealed length (7-bit-encoded) and the id of its first trace; then (format 4 chunks written since it was added; without it,
    /// every frame is taken to span the chunk's time range) the earliest second a trace of the chunk is dated in (<see cref="TraceDates"/>;
    /// before W3C ids, always the trace id's time) and per frame the earliest and latest of its own, as 7-bit-encoded distances from the chunk's earliest and from the frame's.
    /// </summary>
    private static byte[] EncodeDirectory(long dictionaryId, byte[][] frames, List<string> firstTraceIds, List<(long First, long Last)> seconds)
    {
        var earliest = seconds.Count == 0 ? 0 : seconds.Min(s => s.First);
        var length = 8 + Varint.Length((uint)frames.Length) + Varint.Length((ulong)earliest);
        for (var i = 0; i < frames.Length; i++)
        {
            length += Varint.Length((uint)frames[i].Length) + StringLength(firstTraceIds[i]);
            length += Varint.Length((ulong)(seconds[i].First - earliest)) + Varint.Length((ulong)(seconds[i].Last - seconds[i].First));
        }

        var directory = new byte[length];
        BinaryPrimitives.WriteInt64LittleEndian(directory, dictionaryId);
        var at = 8 + Varint.Write(directory.AsSpan(8), (uint)frames.Length);
        for (var i = 0; i < frames.Length; i++)
        {
            at += Varint.Write(directory.AsSpan(at), (uint)frames[i].Length);
            at += WriteString(directory.AsSpan(at), firstTraceIds[i]);
        }

        at += Varint.Write(directory.AsSpan(at), (ulong)earliest);
        foreach (var (first, last) in seconds)
        {
            at += Varint.Write(directory.AsSpan(at), (ulong)(first - earliest));
            at += Varint.Write(directory.AsSpan(at), (ulong)(last - first));
        }

        return directory;
    }

    /// <summary>Reads a directory (see <see cref="EncodeDirectory"/>) of a chunk whose frames begin at <paramref name="framesStart"/> of its body.</summary>
    private static ChunkDirectory DecodeDirectory(StoredChunk chunk, byte[] directory, int framesStart)
    {
        using var reader = new BinaryReader(new MemoryStream(directory), Encoding.UTF8);
        var dictionaryId = chunk.Format == 2 ? 0 : reader.ReadInt64();
        var count = reader.Read7BitEncodedInt();
        var entries = new List<(int Length, string FirstTraceId)>(count);
        for (var i = 0; i < count; i++)
        {
            entries.Add((reader.Read7BitEncodedInt(), reader.ReadString()));
        }

        var withSeconds = reader.BaseStream.Position < reader.BaseStream.Length;
        var earliest = withSeconds ? reader.Read7BitEncodedInt64() : 0;
        var frames = new List<ChunkFrame>(count);
        var at = framesStart;
        foreach (var (length, firstTraceId) in entries)
        {
            var first = withSeconds ? earliest + reader.Read7BitEncodedInt64() : chunk.MinTime;
            var last = withSeconds ? first + reader.Read7BitEncodedInt64() : chunk.MaxTime;
            frames.Add(new ChunkFrame(at, length, firstTraceId, first, last));
            at += length;
        }

        return new ChunkDirectory(dictionaryId, frames);
    }

    /// <summary>The earliest and latest date (<see cref="TraceDates"/>) of <c>traces[start..end)</c>.</summary>
    private static (long First, long Last) TraceSeconds(List<List<ChunkSegment>> traces, int start, int end)
    {
        var first = long.MaxValue;
        var last = long.MinValue;
        for (var i = start; i < end; i++)
        {
            var second = Date(traces[i]);
            first = Math.Min(first, second);
            last = Math.Max(last, second);
        }

        return (first, last);
    }

    /// <summary>The date of a trace by the segments of it a chunk holds: its id's time, or (a W3C id) its earliest start.</summary>
    private static long Date(List<ChunkSegment> trace)
    {
        var earliest = double.MaxValue;
        foreach (var segment in trace)
        {
            earliest = Math.Min(earliest, segment.StartTime);
        }

        return TraceDates.Of(trace[0].TraceId, earliest);
    }

    /// <summary>The bytes <see cref="Encode"/> writes for one trace (a frame adds its 7-bit-encoded trace count).</summary>
    private static int TraceLength(List<ChunkSegment> trace)
    {
        var length = StringLength(trace[0].TraceId) + Varint.Length((uint)trace.Count);
        foreach (var segment in trace)
        {
            length += Varint.Length((uint)segment.Document.Length) + segment.Document.Length;
        }

        return length;
    }

    /// <summary>
    /// The text of a frame. Formats 2 and 3: a 7-bit-encoded trace count, then per trace (in ordinal order of trace id) the trace id
    /// (a 7-bit-encoded UTF-8 length and the bytes), a 7-bit-encoded segment count, and per segment its document (7-bit-encoded
    /// length, bytes). Format 4 writes each document as <see cref="SegmentFieldEncoder"/> does (its field values in the frame's
    /// columns). The segment's id, times and state are read back from the document (<see cref="SegmentFacts"/>): stored twice, they
    /// cost about 10 % of a chunk's bytes.
    /// </summary>
    private static int Encode(List<List<ChunkSegment>> traces, SegmentFieldEncoder fields, Span<byte> destination)
    {
        var at = Varint.Write(destination, (uint)traces.Count);
        foreach (var trace in traces)
        {
            var quotedTraceId = SegmentFieldDecoder.Quote(trace[0].TraceId);
            at += WriteString(destination[at..], trace[0].TraceId);
            at += Varint.Write(destination[at..], (uint)trace.Count);
            foreach (var segment in trace)
            {
                at += fields.Encode(segment.Document.Span, quotedTraceId, destination[at..]);
            }
        }

        return at;
    }

    private static int StringLength(string value)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        return Varint.Length((uint)bytes) + bytes;
    }

    private static int WriteString(Span<byte> destination, string value)
    {
        var at = Varint.Write(destination, (uint)Encoding.UTF8.GetByteCount(value));
        return at + Encoding.UTF8.GetBytes(value, destination[at..]);
    }

    /// <summary>Reads a format 2 or 3 frame (see <see cref="Encode"/>) into <paramref name="segments"/>: every trace, or only those in <paramref name="traceIds"/>.</summary>
    private static void Decode(byte[] plain, IReadOnlySet<string>? traceIds, List<ChunkSegment> segments) => Decode(plain, null, traceIds, segments);

    /// <summary>Reads a format 4 frame: the compressed text's length (7-bit-encoded), the compressed text, then the columns of its fields.</summary>
    private static void DecodeFieldFrame(byte[] frame, CompressionDictionary dictionary, IReadOnlySet<string>? traceIds, List<ChunkSegment> segments)
    {
        var at = 0;
        var text = dictionary.Decompress(SegmentFieldDecoder.Take(frame, ref at, Varint.ReadInt32(frame, ref at)));
        Decode(text, new SegmentFieldDecoder(frame.AsMemory(at)), traceIds, segments);
    }

    private static void Decode(byte[] plain, SegmentFieldDecoder? fields, IReadOnlySet<string>? traceIds, List<ChunkSegment> segments)
    {
        var at = 0;
        var traces = Varint.ReadInt32(plain, ref at);
        for (var t = 0; t < traces; t++)
        {
            var traceId = Encoding.UTF8.GetString(SegmentFieldDecoder.Take(plain, ref at, Varint.ReadInt32(plain, ref at)));
            var quotedTraceId = fields is null ? null : SegmentFieldDecoder.Quote(traceId);
            var count = Varint.ReadInt32(plain, ref at);
            var wanted = traceIds is null || traceIds.Contains(traceId);
            for (var i = 0; i < count; i++)
            {
                // Format 4 shifts each length left by one, the low bit set for a document kept verbatim; formats 2 and 3 keep all so.
                var length = Varint.ReadInt32(plain, ref at);
                var verbatim = fields is null || (length & 1) == 1;
                var text = SegmentFieldDecoder.Take(plain, ref at, fields is null ? length : length >> 1);
                if (wanted)
                {
                    segments.Add(new ChunkSegment(traceId, verbatim ? text.ToArray() : fields!.Decode(text, quotedTraceId)));
                }
                else if (!verbatim)
                {
                    fields!.Skip(text);
                }
            }
        }
    }

    /// <summary>
    /// Reads format 1: a 7-bit-encoded segment count, then per segment the trace id and segment id (each a 7-bit-encoded UTF-8
    /// length and the bytes), in-progress (1 byte), start and end time (little-endian doubles), and the document (7-bit-encoded
    /// length, bytes).
    /// </summary>
    private static List<ChunkSegment> DecodeFormat1(byte[] plain)
    {
        using var reader = new BinaryReader(new MemoryStream(plain), Encoding.UTF8);
        var count = reader.Read7BitEncodedInt();
        var segments = new List<ChunkSegment>(count);
        for (var i = 0; i < count; i++)
        {
            segments.Add(ReadFormat1Segment(reader, reader.ReadString()));
        }

        return segments;
    }

    private static ChunkSegment ReadFormat1Segment(BinaryReader reader, string traceId)
    {
        var id = reader.ReadString();
        var inProgress = reader.ReadBoolean();
        var start = reader.ReadDouble();
        var end = reader.ReadDouble();
        var length = reader.Read7BitEncodedInt();
        return new ChunkSegment(traceId, id, inProgress, start, end, reader.ReadBytes(length));
    }

    /// <summary>Decompresses a format 1 or 2 body or frame: its length (4 bytes, little-endian), then a Brotli stream.</summary>
    private static byte[] Decompress(byte[] compressed)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(compressed);
        var plain = new byte[length];
        if (!BrotliDecoder.TryDecompress(compressed.AsSpan(4), plain, out var written) || written != length)
        {
            throw new InvalidDataException("A chunk body does not decompress to its recorded length.");
        }

        return plain;
    }
}
