using System.Security.Cryptography;

namespace Tracevault.Keys.Envelope;

/// <summary>AES-256-GCM sealing of stored data under a data key, with a versioned header and required associated data.</summary>
/// <remarks>Layout: <c>version(1) ‖ nonce(12) ‖ ciphertext ‖ tag(16)</c>; the header bytes are bound as associated data too. Thread-safe.</remarks>
public static class AeadSealer
{
    /// <summary>The format version written first in every sealed blob.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Bytes a sealed blob adds to its plaintext.</summary>
    public const int Overhead = 1 + NonceSize + TagSize;

    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Seals <paramref name="plaintext"/> under <paramref name="key"/>, binding <paramref name="associatedData"/>.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[Overhead + plaintext.Length];
        output[0] = FormatVersion;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceSize, plaintext.Length), output.AsSpan(output.Length - TagSize), Aad(output[0], associatedData));
        return output;
    }

    /// <summary>Opens a blob made by <see cref="Seal"/>; throws <see cref="CryptographicException"/> when it was altered, the key is wrong or the associated data differs.</summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedBlob, ReadOnlySpan<byte> associatedData)
    {
        if (sealedBlob.Length < Overhead || sealedBlob[0] != FormatVersion)
        {
            throw new CryptographicException("The sealed data is not in a known format.");
        }

        var plaintext = new byte[sealedBlob.Length - Overhead];
        using var gcm = new AesGcm(key, TagSize);
        gcm.Decrypt(sealedBlob.Slice(1, NonceSize), sealedBlob.Slice(1 + NonceSize, plaintext.Length), sealedBlob[^TagSize..], plaintext, Aad(sealedBlob[0], associatedData));
        return plaintext;
    }

    private static byte[] Aad(byte version, ReadOnlySpan<byte> associatedData)
    {
        var aad = new byte[1 + associatedData.Length];
        aad[0] = version;
        associatedData.CopyTo(aad.AsSpan(1));
        return aad;
    }
}
