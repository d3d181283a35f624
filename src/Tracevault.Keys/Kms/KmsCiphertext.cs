using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Tracevault.Keys.Kms;

/// <summary>The ciphertext blob of a symmetric KMS key: a versioned header naming key and key version, a nonce, then AES-256-GCM ciphertext and tag.</summary>
/// <remarks>
/// Format 2 (written): <c>0x02 ‖ key UUID (16) ‖ key version (4, big-endian) ‖ salt (32) ‖ nonce (12) ‖ ciphertext ‖ tag (16)</c>,
/// sealed under a key of its own, HKDF-SHA256 of the key version's material with the blob's random salt (as AWS KMS derives a
/// key per message from its backing key): the material seals no GCM message itself, so no count of Encrypt calls bounds it.
/// Format 1 (read only): <c>0x01 ‖ key UUID (16) ‖ key version (4) ‖ nonce (12) ‖ ciphertext ‖ tag (16)</c>, sealed under the
/// material itself. The associated data is the header (everything before the nonce) followed by the encoded encryption context.
/// </remarks>
public static class KmsCiphertext
{
    /// <summary>The format version written, the first byte of every new blob; blobs of format 1 still open.</summary>
    public const byte FormatVersion = 2;

    /// <summary>The bytes of random salt a format 2 blob carries, from which its message key is derived.</summary>
    public const int SaltSize = 32;

    /// <summary>The header's length in format 2: format, key id, key version, salt.</summary>
    public const int HeaderSize = NamingSize + SaltSize;

    /// <summary>Bytes a blob adds to its plaintext.</summary>
    public const int Overhead = HeaderSize + NonceSize + TagSize;

    private const byte Format1 = 1;
    private const int NamingSize = 1 + 16 + 4;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] MessageKeyLabel = "tracevault/kms-message-key/v2"u8.ToArray();

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
        RandomNumberGenerator.Fill(blob.AsSpan(NamingSize, SaltSize));
        var nonce = blob.AsSpan(HeaderSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Span<byte> messageKey = stackalloc byte[32];
        try
        {
            HKDF.DeriveKey(HashAlgorithmName.SHA256, material, messageKey, blob.AsSpan(NamingSize, SaltSize), MessageKeyLabel);
            using var gcm = new AesGcm(messageKey, TagSize);
            gcm.Encrypt(nonce, plaintext, blob.AsSpan(HeaderSize + NonceSize, plaintext.Length), blob.AsSpan(blob.Length - TagSize), AssociatedData(blob.AsSpan(0, HeaderSize), context));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(messageKey);
        }

        return blob;
    }

    /// <summary>Reads the key id and version a blob names, or returns false when it is not a blob of a format this code reads.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> blob, [NotNullWhen(true)] out string? keyId, out int version)
    {
        keyId = null;
        version = 0;
        if (blob.Length < 1 || blob.Length < OverheadOf(blob[0]))
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
        var format = blob.Length < 1 ? (byte)0 : blob[0];
        var overhead = OverheadOf(format);
        if (blob.Length < overhead)
        {
            throw new CryptographicException("The ciphertext is not in a known format.");
        }

        var headerSize = overhead - NonceSize - TagSize;
        var plaintext = new byte[blob.Length - overhead];
        Span<byte> messageKey = stackalloc byte[32];
        try
        {
            if (format == FormatVersion)
            {
                HKDF.DeriveKey(HashAlgorithmName.SHA256, material, messageKey, blob.Slice(NamingSize, SaltSize), MessageKeyLabel);
            }

            using var gcm = new AesGcm(format == FormatVersion ? messageKey : material, TagSize);
            gcm.Decrypt(blob.Slice(headerSize, NonceSize), blob.Slice(headerSize + NonceSize, plaintext.Length), blob[^TagSize..], plaintext, AssociatedData(blob[..headerSize], context));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(messageKey);
        }

        return plaintext;
    }

    /// <summary>The bytes a blob of <paramref name="format"/> adds to its plaintext, or more than any blob holds for an unknown format.</summary>
    private static int OverheadOf(byte format) => format switch
    {
        FormatVersion => Overhead,
        Format1 => NamingSize + NonceSize + TagSize,
        _ => int.MaxValue,
    };

    private static byte[] AssociatedData(ReadOnlySpan<byte> header, IReadOnlyDictionary<string, string> context)
    {
        var encoded = EncryptionContext.Encode(context);
        var aad = new byte[header.Length + encoded.Length];
        header.CopyTo(aad);
        encoded.CopyTo(aad.AsSpan(header.Length));
        return aad;
    }
}
