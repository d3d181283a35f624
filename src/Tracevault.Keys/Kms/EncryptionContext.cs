using System.Buffers.Binary;
using System.Text;

namespace Tracevault.Keys.Kms;

/// <summary>The unambiguous byte encoding of an encryption context that the AWS Encryption SDK uses, bound as associated data.</summary>
public static class EncryptionContext
{
    /// <summary>An empty context.</summary>
    public static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Encodes a context: UInt16 count, then the pairs sorted by the UTF-8 bytes of their keys, each as UInt16 length + key, UInt16 length + value.</summary>
    /// <remarks>An empty context encodes as no bytes, as the ESDK's AAD section does.</remarks>
    public static byte[] Encode(IReadOnlyDictionary<string, string> context)
    {
        if (context.Count == 0)
        {
            return [];
        }

        var pairs = context
            .Select(pair => (Key: Encoding.UTF8.GetBytes(pair.Key), Value: Encoding.UTF8.GetBytes(pair.Value)))
            .OrderBy(pair => pair.Key, ByteComparer.Instance)
            .ToList();
        using var stream = new MemoryStream();
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)pairs.Count));
        stream.Write(length);
        foreach (var (key, value) in pairs)
        {
            BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)key.Length));
            stream.Write(length);
            stream.Write(key);
            BinaryPrimitives.WriteUInt16BigEndian(length, checked((ushort)value.Length));
            stream.Write(length);
            stream.Write(value);
        }

        return stream.ToArray();
    }

    private sealed class ByteComparer : IComparer<byte[]>
    {
        public static readonly ByteComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
