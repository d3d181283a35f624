using System.Buffers.Binary;
using System.Text;

namespace Tracevault.Storage.Traces;

/// <summary>Puts the <see cref="SegmentField"/> values of one chunk frame's columns back into its documents' text, in the order <see cref="SegmentFieldEncoder"/> took them out.</summary>
internal sealed class SegmentFieldDecoder
{
    /// <summary>The most decimals of a time taken out of the text.</summary>
    public const int MaxDecimals = 6;

    /// <summary>Times are kept in microseconds.</summary>
    public const long MicrosPerSecond = 1_000_000;

    // The bytes an id or parent id placeholder stands for (16 hex digits in quotes), and a UUID's (36 characters in quotes).
    private const int QuotedIdLength = 18;
    private const int QuotedUuidLength = 38;

    private readonly ReadOnlyMemory<byte> _ids;
    private readonly ReadOnlyMemory<byte> _parents;
    private readonly ReadOnlyMemory<byte> _uuids;
    private readonly ReadOnlyMemory<byte> _times;
    private int _nextId;
    private int _nextParent;
    private int _nextUuid;
    private int _nextTime;
    private long _lastStart;

    /// <summary>Reads the columns <see cref="SegmentFieldEncoder.WriteColumns"/> wrote.</summary>
    public SegmentFieldDecoder(ReadOnlyMemory<byte> columns)
    {
        var at = 0;
        _ids = Section(columns, ref at);
        _parents = Section(columns, ref at);
        _uuids = Section(columns, ref at);
        _times = columns[at..];
        if (_ids.Length % 8 != 0 || _uuids.Length % 16 != 0)
        {
            throw new InvalidDataException("A chunk frame's columns are malformed.");
        }
    }

    /// <summary>A trace id in quotes, as documents hold it.</summary>
    public static byte[] Quote(string traceId) => Encoding.UTF8.GetBytes($"\"{traceId}\"");

    /// <summary>10 to the power <paramref name="exponent"/> (0 to <see cref="MaxDecimals"/>).</summary>
    public static long PowerOfTen(int exponent) => exponent switch
    {
        0 => 1,
        1 => 10,
        2 => 100,
        3 => 1_000,
        4 => 10_000,
        5 => 100_000,
        6 => 1_000_000,
        _ => throw new ArgumentOutOfRangeException(nameof(exponent)),
    };

    /// <summary>The document whose text (with the verbatim flag) the encoder wrote, its values back in place.</summary>
    public byte[] Decode(ReadOnlySpan<byte> text, ReadOnlySpan<byte> quotedTraceId)
    {
        var document = new byte[ExpandedLength(text, quotedTraceId.Length)];
        var written = 0;
        var copied = 0;
        int found;
        while ((found = text[copied..].IndexOfAnyInRange((byte)SegmentField.Id, (byte)SegmentField.EndTime)) >= 0)
        {
            text.Slice(copied, found).CopyTo(document.AsSpan(written));
            written += found;
            written += WriteField((SegmentField)text[copied + found], quotedTraceId, document.AsSpan(written));
            copied += found + 1;
        }

        text[copied..].CopyTo(document.AsSpan(written));
        return document;
    }

    /// <summary>The length of the document <paramref name="text"/> stands for: each placeholder's value is of known length but a time's, whose decimals its column gives.</summary>
    private int ExpandedLength(ReadOnlySpan<byte> text, int quotedTraceIdLength)
    {
        var length = text.Length;
        var nextTime = _nextTime;
        var at = 0;
        int found;
        while ((found = text[at..].IndexOfAnyInRange((byte)SegmentField.Id, (byte)SegmentField.EndTime)) >= 0)
        {
            at += found;
            length += (SegmentField)text[at++] switch
            {
                SegmentField.Id or SegmentField.ParentId => QuotedIdLength - 1,
                SegmentField.TraceId => quotedTraceIdLength - 1,
                SegmentField.UpperUuid or SegmentField.LowerUuid => QuotedUuidLength - 1,
                SegmentField.StartTime or SegmentField.EndTime => TimeLength((int)(Varint.Read(_times.Span, ref nextTime) & 7)) - 1,
                _ => 0,
            };
        }

        return length;
    }

    private static int TimeLength(int decimals) => 10 + (decimals == 0 ? 0 : 1 + decimals);

    /// <summary>Passes over a document not asked for: its values are taken from the columns without being written.</summary>
    public void Skip(ReadOnlySpan<byte> text)
    {
        // Only the cursors move, and the latest start time (later times are offsets from it); nothing is written.
        var at = 0;
        int found;
        while ((found = text[at..].IndexOfAnyInRange((byte)SegmentField.Id, (byte)SegmentField.EndTime)) >= 0)
        {
            at += found;
            switch ((SegmentField)text[at++])
            {
                case SegmentField.Id:
                    Take(_ids.Span, ref _nextId, 8);
                    break;
                case SegmentField.ParentId:
                    if (Varint.Read(_parents.Span, ref _nextParent) == 0)
                    {
                        Take(_parents.Span, ref _nextParent, 8);
                    }

                    break;
                case SegmentField.UpperUuid or SegmentField.LowerUuid:
                    Take(_uuids.Span, ref _nextUuid, 16);
                    break;
                case SegmentField.StartTime or SegmentField.EndTime:
                    NextTime((SegmentField)text[at - 1], out _);
                    break;
            }
        }
    }

    private static ReadOnlyMemory<byte> Section(ReadOnlyMemory<byte> columns, ref int at)
    {
        var length = Varint.ReadInt32(columns.Span, ref at);
        if (length > columns.Length - at)
        {
            throw new InvalidDataException("A chunk frame's columns are malformed.");
        }

        var section = columns.Slice(at, length);
        at += length;
        return section;
    }

    private int WriteField(SegmentField field, ReadOnlySpan<byte> quotedTraceId, Span<byte> destination)
    {
        switch (field)
        {
            case SegmentField.Id:
                return WriteQuotedHex(NextId(), destination);
            case SegmentField.ParentId:
                var reference = Varint.Read(_parents.Span, ref _nextParent);
                if (reference == 0)
                {
                    var literal = Take(_parents.Span, ref _nextParent, 8);
                    return WriteQuotedHex(BinaryPrimitives.ReadUInt64BigEndian(literal), destination);
                }

                var position = checked((int)(reference - 1) * 8);
                if (position >= _ids.Length)
                {
                    throw new InvalidDataException("A chunk frame's columns are malformed.");
                }

                return WriteQuotedHex(BinaryPrimitives.ReadUInt64BigEndian(_ids.Span[position..]), destination);
            case SegmentField.TraceId:
                quotedTraceId.CopyTo(destination);
                return quotedTraceId.Length;
            case SegmentField.UpperUuid or SegmentField.LowerUuid:
                return WriteUuid(Take(_uuids.Span, ref _nextUuid, 16), field == SegmentField.LowerUuid ? "0123456789abcdef"u8 : "0123456789ABCDEF"u8, destination);
            default:
                return WriteTime(field, destination);
        }
    }

    private ulong NextId() => BinaryPrimitives.ReadUInt64BigEndian(Take(_ids.Span, ref _nextId, 8));

    /// <summary>The <paramref name="length"/> bytes at <paramref name="at"/>, moving it past; throws <see cref="InvalidDataException"/> when fewer are left.</summary>
    internal static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> source, ref int at, int length)
    {
        if (length > source.Length - at)
        {
            throw new InvalidDataException("A chunk frame is malformed.");
        }

        var taken = source.Slice(at, length);
        at += length;
        return taken;
    }

    private static int WriteQuotedHex(ulong id, Span<byte> destination)
    {
        var digits = "0123456789abcdef"u8;
        destination[0] = (byte)'"';
        for (var i = 0; i < 16; i++)
        {
            destination[16 - i] = digits[(int)(id >> (4 * i)) & 0xF];
        }

        destination[QuotedIdLength - 1] = (byte)'"';
        return QuotedIdLength;
    }

    private static int WriteUuid(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> digits, Span<byte> destination)
    {
        destination[0] = (byte)'"';
        var at = 1;
        for (var i = 0; i < 16; i++)
        {
            if (i is 4 or 6 or 8 or 10)
            {
                destination[at++] = (byte)'-';
            }

            destination[at++] = digits[bytes[i] >> 4];
            destination[at++] = digits[bytes[i] & 0xF];
        }

        destination[at++] = (byte)'"';
        return at;
    }

    private int WriteTime(SegmentField field, Span<byte> destination)
    {
        var micros = NextTime(field, out var decimals);
        var seconds = micros / MicrosPerSecond;
        if (decimals > MaxDecimals || seconds is < 1_000_000_000 or > 9_999_999_999)
        {
            throw new InvalidDataException("A chunk frame's columns are malformed.");
        }

        var at = WriteDigits(seconds, 10, destination);
        if (decimals > 0)
        {
            destination[at++] = (byte)'.';
            at += WriteDigits(micros % MicrosPerSecond / PowerOfTen(MaxDecimals - decimals), decimals, destination[at..]);
        }

        return at;
    }

    /// <summary>The next time in microseconds, and its count of decimals; a start time becomes the one later offsets are from.</summary>
    private long NextTime(SegmentField field, out int decimals)
    {
        var encoded = Varint.Read(_times.Span, ref _nextTime);
        decimals = (int)(encoded & 7);
        var zigZag = encoded >> 3;
        var micros = _lastStart + ((long)(zigZag >> 1) ^ -(long)(zigZag & 1));
        if (field == SegmentField.StartTime)
        {
            _lastStart = micros;
        }

        return micros;
    }

    private static int WriteDigits(long value, int count, Span<byte> destination)
    {
        for (var i = count - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }

        return count;
    }
}
