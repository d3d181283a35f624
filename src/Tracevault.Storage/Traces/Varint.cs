namespace Tracevault.Storage.Traces;

/// <summary>Unsigned integers 7 bits a byte, low bits first, the high bit set on every byte but the last (as <see cref="BinaryWriter.Write7BitEncodedInt(int)"/>).</summary>
internal static class Varint
{
    /// <summary>The most bytes a 64-bit value takes.</summary>
    public const int MaxLength = 10;

    /// <summary>The bytes <see cref="Write"/> writes for <paramref name="value"/>.</summary>
    public static int Length(ulong value)
    {
        var length = 1;
        for (; value >= 0x80; value >>= 7)
        {
            length++;
        }

        return length;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        var at = 0;
        for (; value >= 0x80; value >>= 7)
        {
            destination[at++] = (byte)(value | 0x80);
        }

        destination[at++] = (byte)value;
        return at;
    }

    /// <summary>Reads a value at <paramref name="at"/>, moving it past; throws <see cref="InvalidDataException"/> when the bytes end first or run too long.</summary>
    public static ulong Read(ReadOnlySpan<byte> source, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64 && at < source.Length; shift += 7)
        {
            var b = source[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("A chunk body holds a malformed length or value.");
    }

    /// <summary>As <see cref="Read"/>, for a length or count that must fit an <see cref="int"/>.</summary>
    public static int ReadInt32(ReadOnlySpan<byte> source, ref int at)
    {
        var value = Read(source, ref at);
        return value <= int.MaxValue ? (int)value : throw new InvalidDataException("A chunk body holds a malformed length.");
    }
}
