using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Tracevault.Keys.Kms;

/// <summary>The ciphertext blob of a symmetric KMS key: a versioned header naming key and key version, a nonce, then AES-256-GCM ciphertext and tag.</summary>
/// <remarks>Layout: <c>0x01 ‖ key UUID (16) ‖ key version (4, big-endian) ‖ nonce (12) ‖ ciphertext ‖ tag (16)</c>. The associated data is the header (the first 21 bytes) followed by the encoded encryption context.</remarks>
public static class KmsCiphertext
{
    /// <summary>The format version, the first byte of every blob.</summary>
    public const byte FormatVersion = 1;

    /// <summary>The header's length: format, key id, key version.</summary>
    public const int HeaderSize = 1 + 16 + 4;

    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Bytes a blob adds to its plaintext.</summary>
    public const int Overhead = HeaderSize + NonceSize + TagSize;

    /// <summary>Seals <paramref name="plaintext"/> under one version of a key, binding <paramref name="context"/>.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> material, string keyId, int version, ReadOnlySpan<byte> plaintext, IReadOnlyDictionary<string, string> context)
    {
        var blob = new byte[Overhead + plaintext.Length];
        blob[0] = FormatVersion;
        if (!Guid.TryParse(keyId, out var guid) || !guid.TryWriteBytes(blob.AsSpan(1, 16), bigEndian: true, out _))
        {
            throw new ArgumentException("The key id is not a UUID.", nameof(keyId));
        }

        BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(17, 4), version);
        var nonce = blob.AsSpan(HeaderSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(material, TagSize);
        gcm.Encrypt(nonce, plaintext, blob.AsSpan(HeaderSize + NonceSize, plaintext.Length), blob.AsSpan(blob.Length - TagSize), AssociatedData(blob.AsSpan(0, HeaderSize), context));
        return blob;
    }

    /// <summary>Reads the key id and version a blob names, or returns false when it is not a blob of this format.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> blob, [NotNullWhen(true)] out string? keyId, out int version)
    {
        keyId = null;
        version = 0;
        if (blob.Length < Overhead || blob[0] != FormatVersion)
        {
            return false;
        }

        keyId = new Guid(blob.Slice(1, 16), bigEndian: true).ToString("D");
        version = BinaryPrimitives.ReadInt32BigEndian(blob.Slice(17, 4));
        return version > 0;
    }

    /// <summary>Opens a blob with its key version's material; throws <see cref="CryptographicException"/> when it was altered or the context differs.</summary>
    public static byte[] Open(ReadOnlySpan<byte> material, ReadOnlySpan<byte> blob, IReadOnlyDictionary<string, string> context)
    {
        var plaintext = new byte[blob.Length - Overhead];
        using var gcm = new AesGcm(material, TagSize);
        gcm.Decrypt(blob.Slice(HeaderSize, NonceSize), blob.Slice(HeaderSize + NonceSize, plaintext.Length), blob[^TagSize..], plaintext, AssociatedData(blob[..HeaderSize], context));
        return plaintext;
    }

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, IReadOnlyDictionary<string, string> context)
    {
        var encoded = EncryptionContext.Encode(context);
        var aad = new byte[header.Length + encoded.Length];
        header.CopyTo(aad);
        encoded.CopyTo(aad.AsSpan(header.Length));
        return aad;
    }
}
