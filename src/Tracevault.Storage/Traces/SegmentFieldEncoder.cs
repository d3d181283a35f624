using System.Buffers.Binary;

namespace Tracevault.Storage.Traces;

/// <summary>
/// Takes the <see cref="SegmentField"/> values out of the documents of one chunk frame, leaving their text, and writes the columns
/// that hold them (<see cref="SegmentFieldDecoder"/> puts them back). Not thread-safe: one frame at a time.
/// </summary>
internal sealed class SegmentFieldEncoder : IDisposable
{
    /// <summary>The most bytes the length of a document's text takes before it.</summary>
    public const int MaxPrefixLength = 5;

    private readonly ClearedBuffer _ids = new();
    private readonly ClearedBuffer _uuids = new();
    private readonly ClearedBuffer _times = new();
    private readonly Dictionary<ulong, int> _idPositions = [];
    private readonly List<ulong> _parents = [];
    private long _lastStart;

    /// <summary>
    /// Writes one document into <paramref name="destination"/> (at least <see cref="MaxPrefixLength"/> bytes longer than it): the
    /// length of its text, shifted left by one with the low bit set when it is stored verbatim, then the text. Returns the bytes written.
    /// </summary>
    /// <param name="document">The document, UTF-8 JSON.</param>
    /// <param name="quotedTraceId">The id of the trace it is stored under, in quotes.</param>
    /// <param name="destination">Where to write it.</param>
    public int Encode(ReadOnlySpan<byte> document, ReadOnlySpan<byte> quotedTraceId, Span<byte> destination)
    {
        // The text is written after room for the longest length it can have (the document's own); it moves only when its length
        // takes fewer bytes than that.
        var room = Varint.Length(((ulong)document.Length << 1) | 1);
        var text = destination[room..];
        int textLength;
        bool verbatim;
        if (document.IndexOfAnyInRange((byte)SegmentField.Id, (byte)SegmentField.EndTime) >= 0)
        {
            // Not JSON (which has no such control characters), so nothing in it could be told apart from a placeholder.
            document.CopyTo(text);
            textLength = document.Length;
            verbatim = true;
        }
        else
        {
            textLength = ReplaceFields(document, quotedTraceId, text);
            verbatim = false;
        }

        var prefix = ((ulong)textLength << 1) | (verbatim ? 1UL : 0);
        var prefixLength = Varint.Length(prefix);
        if (prefixLength < room)
        {
            text[..textLength].CopyTo(destination[prefixLength..]);
        }

        Varint.Write(destination, prefix);
        return prefixLength + textLength;
    }

    /// <summary>The text of one document alone, for training a dictionary on what frames will hold.</summary>
    public static byte[] Sample(ReadOnlySpan<byte> document, string traceId)
    {
        using var encoder = new SegmentFieldEncoder();
        var encoded = new byte[document.Length + MaxPrefixLength];
        try
        {
            encoder.Encode(document, SegmentFieldDecoder.Quote(traceId), encoded);
            var at = 0;
            var textLength = (int)(Varint.Read(encoded, ref at) >> 1);
            return encoded.AsSpan(at, textLength).ToArray();
        }
        finally
        {
            // Trace data in the clear: only the sample returned, which the trainer zeroes after training, is kept.
            encoded.AsSpan().Clear();
        }
    }

    /// <summary>The bytes <see cref="WriteColumns"/> writes for the documents encoded so far.</summary>
    public int ColumnsLength =>
        Varint.Length((ulong)_ids.Length) + _ids.Length + Varint.Length((ulong)ParentsLength) + ParentsLength
        + Varint.Length((ulong)_uuids.Length) + _uuids.Length + _times.Length;

    private int ParentsLength => _parents.Sum(parent => _idPositions.TryGetValue(parent, out var position) ? Varint.Length((ulong)position + 1) : 9);

    /// <summary>
    /// Writes the frame's columns: the ids (8 bytes each), the parent ids (the 1-based position of the id in the id column, or 0 and
    /// its 8 bytes), the UUIDs (16 bytes each), each a 7-bit-encoded length and the bytes; then the times, to the end.
    /// </summary>
    public void WriteColumns(Span<byte> destination)
    {
        var at = Varint.Write(destination, (ulong)_ids.Length);
        _ids.Written.CopyTo(destination[at..]);
        at += _ids.Length;
        at += Varint.Write(destination[at..], (ulong)ParentsLength);
        foreach (var parent in _parents)
        {
            if (_idPositions.TryGetValue(parent, out var position))
            {
                at += Varint.Write(destination[at..], (ulong)position + 1);
            }
            else
            {
                destination[at++] = 0;
                BinaryPrimitives.WriteUInt64BigEndian(destination[at..], parent);
                at += 8;
            }
        }

        at += Varint.Write(destination[at..], (ulong)_uuids.Length);
        _uuids.Written.CopyTo(destination[at..]);
        at += _uuids.Length;
        _times.Written.CopyTo(destination[at..]);
    }

    public void Dispose()
    {
        _ids.Dispose();
        _uuids.Dispose();
        _times.Dispose();
        _idPositions.Clear();
        _parents.Clear();
    }

    /// <summary>Copies <paramref name="document"/> into <paramref name="text"/>, each field value it can write back replaced by its one-byte placeholder.</summary>
    private int ReplaceFields(ReadOnlySpan<byte> document, ReadOnlySpan<byte> quotedTraceId, Span<byte> text)
    {
        var written = 0;
        var copied = 0;
        var at = 0;
        int found;
        while ((found = document[at..].IndexOf("\":"u8)) >= 0)
        {
            // Whether the key is inside a string does not matter: a value is replaced only by what gives back its exact bytes.
            var keyEnd = at + found;
            var valueStart = keyEnd + 2;
            at = valueStart;
            var key = document[..keyEnd];
            var value = document[valueStart..];
            var (field, length) = key.EndsWith("\"id"u8) ? TakeId(value, SegmentField.Id)
                : key.EndsWith("\"parent_id"u8) ? TakeId(value, SegmentField.ParentId)
                : key.EndsWith("\"trace_id"u8) ? (value.StartsWith(quotedTraceId) ? (SegmentField.TraceId, quotedTraceId.Length) : (default, 0))
                : key.EndsWith("\"request_id"u8) ? TakeUuid(value)
                : key.EndsWith("\"start_time"u8) ? TakeTime(value, SegmentField.StartTime)
                : key.EndsWith("\"end_time"u8) ? TakeTime(value, SegmentField.EndTime)
                : (default(SegmentField), 0);
            if (length == 0)
            {
                continue;
            }

            document[copied..valueStart].CopyTo(text[written..]);
            written += valueStart - copied;
            text[written++] = (byte)field;
            copied = at = valueStart + length;
        }

        document[copied..].CopyTo(text[written..]);
        return written + document.Length - copied;
    }

    private (SegmentField, int) TakeId(ReadOnlySpan<byte> value, SegmentField field)
    {
        if (value.Length < 18 || value[0] != '"' || value[17] != '"' || !TryParseLowerHex(value.Slice(1, 16), out var id))
        {
            return (default, 0);
        }

        if (field == SegmentField.Id)
        {
            _idPositions.TryAdd(id, _ids.Length / 8);
            BinaryPrimitives.WriteUInt64BigEndian(_ids.Append(8), id);
        }
        else
        {
            // Resolved when the frame is complete: a parent is often stored after its children.
            _parents.Add(id);
        }

        return (field, 18);
    }

    private (SegmentField, int) TakeUuid(ReadOnlySpan<byte> value)
    {
        if (value.Length < 38 || value[0] != '"' || value[37] != '"')
        {
            return (default, 0);
        }

        var uuid = value.Slice(1, 36);
        Span<byte> bytes = stackalloc byte[16];
        var upper = false;
        var lower = false;
        var nibble = 0;
        for (var i = 0; i < 36; i++)
        {
            if (i is 8 or 13 or 18 or 23)
            {
                if (uuid[i] != '-')
                {
                    return (default, 0);
                }

                continue;
            }

            var c = uuid[i];
            int digit;
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                digit = c - '0';
            }
            else if (c is >= (byte)'a' and <= (byte)'f')
            {
                digit = c - 'a' + 10;
                lower = true;
            }
            else if (c is >= (byte)'A' and <= (byte)'F')
            {
                digit = c - 'A' + 10;
                upper = true;
            }
            else
            {
                return (default, 0);
            }

            bytes[nibble / 2] |= (byte)(nibble % 2 == 0 ? digit << 4 : digit);
            nibble++;
        }

        if (upper && lower)
        {
            return (default, 0);
        }

        bytes.CopyTo(_uuids.Append(16));
        return (lower ? SegmentField.LowerUuid : SegmentField.UpperUuid, 38);
    }

    /// <summary>Epoch seconds of exactly 10 digits and at most 6 decimals, as SDKs write them; anything else stays text.</summary>
    private (SegmentField, int) TakeTime(ReadOnlySpan<byte> value, SegmentField field)
    {
        if (value.Length < 10 || value[0] is < (byte)'1' or > (byte)'9')
        {
            return (default, 0);
        }

        long micros = 0;
        for (var i = 0; i < 10; i++)
        {
            if (value[i] is < (byte)'0' or > (byte)'9')
            {
                return (default, 0);
            }

            micros = (micros * 10) + (value[i] - '0');
        }

        var length = 10;
        var decimals = 0;
        long fraction = 0;
        if (length < value.Length && value[length] == '.')
        {
            length++;
            while (length < value.Length && value[length] is >= (byte)'0' and <= (byte)'9')
            {
                fraction = (fraction * 10) + (value[length++] - '0');
                decimals++;
                if (decimals > SegmentFieldDecoder.MaxDecimals)
                {
                    return (default, 0);
                }
            }

            if (decimals == 0)
            {
                return (default, 0);
            }
        }

        if (length < value.Length && value[length] is (byte)'.' or (byte)'e' or (byte)'E' or (>= (byte)'0' and <= (byte)'9'))
        {
            return (default, 0);
        }

        micros = (micros * SegmentFieldDecoder.MicrosPerSecond) + (fraction * SegmentFieldDecoder.PowerOfTen(SegmentFieldDecoder.MaxDecimals - decimals));
        var offset = micros - _lastStart;
        _times.AppendVarint((ZigZag(offset) << 3) | (uint)decimals);
        if (field == SegmentField.StartTime)
        {
            _lastStart = micros;
        }

        return (field, length);
    }

    private static bool TryParseLowerHex(ReadOnlySpan<byte> hex, out ulong value)
    {
        value = 0;
        foreach (var c in hex)
        {
            int digit;
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                digit = c - '0';
            }
            else if (c is >= (byte)'a' and <= (byte)'f')
            {
                digit = c - 'a' + 10;
            }
            else
            {
                return false;
            }

            value = (value << 4) | (uint)digit;
        }

        return true;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
