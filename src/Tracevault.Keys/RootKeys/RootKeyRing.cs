using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Tracevault.Keys.RootKeys;

/// <summary>The root keys that seal everything secret Tracevault keeps at rest: key material and access-key secrets.</summary>
/// <remarks>
/// Several root keys may exist; the newest seals and all of them open. The file holding them is created readable by its
/// owner only. Instances are immutable and thread-safe; <see cref="AddKey"/> returns a new ring.
/// </remarks>
public sealed class RootKeyRing
{
    /// <summary>The first byte of every sealed blob: the format version.</summary>
    public const byte FormatVersion = 1;

    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + 4 + NonceSize;

    private static readonly byte[] CheckLabel = "tracevault/root-key-check/v1"u8.ToArray();

    private readonly IReadOnlyDictionary<int, byte[]> _keys;

    private RootKeyRing(IReadOnlyDictionary<int, byte[]> keys)
    {
        _keys = keys;
        CurrentKeyId = keys.Keys.Max();
    }

    /// <summary>The id of the root key that seals new data.</summary>
    public int CurrentKeyId { get; }

    /// <summary>The ids of every root key in the ring.</summary>
    public IReadOnlyCollection<int> KeyIds => _keys.Keys.ToArray();

    /// <summary>Creates a ring with one fresh random root key.</summary>
    public static RootKeyRing CreateNew() => new(new Dictionary<int, byte[]> { [1] = RandomNumberGenerator.GetBytes(KeySize) });

    /// <summary>Returns a new ring with one more root key, which becomes the sealing key.</summary>
    public RootKeyRing AddKey()
    {
        var keys = new Dictionary<int, byte[]>(_keys) { [CurrentKeyId + 1] = RandomNumberGenerator.GetBytes(KeySize) };
        return new RootKeyRing(keys);
    }

    /// <summary>The check value of every root key in the ring, oldest first: it names the key without revealing it.</summary>
    public IReadOnlyList<RootKeyCheck> Checks() =>
        _keys.OrderBy(k => k.Key).Select(k => new RootKeyCheck(k.Key, HMACSHA256.HashData(k.Value, CheckLabel))).ToArray();

    /// <summary>Seals <paramref name="plaintext"/> under the newest root key, binding <paramref name="associatedData"/>.</summary>
    public byte[] Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[HeaderSize + plaintext.Length + TagSize];
        output[0] = FormatVersion;
        BinaryPrimitives.WriteInt32BigEndian(output.AsSpan(1, 4), CurrentKeyId);
        var nonce = output.AsSpan(5, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var header = output.AsSpan(0, HeaderSize);
        using var gcm = new AesGcm(_keys[CurrentKeyId], TagSize);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(HeaderSize, plaintext.Length), output.AsSpan(HeaderSize + plaintext.Length), Aad(header, associatedData));
        return output;
    }

    /// <summary>Opens a blob made by <see cref="Seal"/>; throws <see cref="CryptographicException"/> when it was altered or the associated data differs.</summary>
    public byte[] Open(ReadOnlySpan<byte> sealedBlob, ReadOnlySpan<byte> associatedData)
    {
        if (sealedBlob.Length < HeaderSize + TagSize || sealedBlob[0] != FormatVersion)
        {
            throw new CryptographicException("The sealed blob is not in a known format.");
        }

        var keyId = BinaryPrimitives.ReadInt32BigEndian(sealedBlob.Slice(1, 4));
        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException($"The blob was sealed under root key {keyId}, which this ring does not hold.");
        }

        var header = sealedBlob[..HeaderSize];
        var cipherLength = sealedBlob.Length - HeaderSize - TagSize;
        var plaintext = new byte[cipherLength];
        using var gcm = new AesGcm(key, TagSize);
        gcm.Decrypt(sealedBlob.Slice(5, NonceSize), sealedBlob.Slice(HeaderSize, cipherLength), sealedBlob[^TagSize..], plaintext, Aad(header, associatedData));
        return plaintext;
    }

    /// <summary>Derives a 32-byte key for one purpose from one root key (HKDF-SHA256, <paramref name="label"/> as its info), so no two purposes share a key.</summary>
    /// <remarks>The caller owns the returned array and should zero it when done; the root key itself never leaves the ring.</remarks>
    public byte[] DeriveKey(int rootKeyId, string label)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        if (!_keys.TryGetValue(rootKeyId, out var key))
        {
            throw new CryptographicException($"This ring holds no root key {rootKeyId}.");
        }

        return HKDF.DeriveKey(HashAlgorithmName.SHA256, key, KeySize, salt: [], info: System.Text.Encoding.UTF8.GetBytes(label));
    }

    /// <summary>Returns the root key id a sealed blob names.</summary>
    public static int SealingKeyId(ReadOnlySpan<byte> sealedBlob) => BinaryPrimitives.ReadInt32BigEndian(sealedBlob.Slice(1, 4));

    /// <summary>Loads a ring from a root key file that is not wrapped under a passphrase.</summary>
    public static RootKeyRing Load(string path) => new RootKeyFile(path, passphrase: null).Load();

    /// <summary>Writes the ring to <paramref name="path"/>, not wrapped under a passphrase, atomically and durably, readable and writable by its owner only.</summary>
    public void Save(string path) => new RootKeyFile(path, passphrase: null).Save(this);

    /// <summary>Returns a new ring without root key <paramref name="keyId"/>, which must not be the sealing key.</summary>
    /// <exception cref="RootKeyInUseException">The key is the sealing key, or the ring does not hold it.</exception>
    public RootKeyRing WithoutKey(int keyId)
    {
        if (keyId == CurrentKeyId)
        {
            throw new RootKeyInUseException(string.Create(CultureInfo.InvariantCulture,
                $"root key {keyId} is the current root key, which seals everything new: run 'tracevault root-key rotate' first, then retire {keyId}"));
        }

        if (!_keys.ContainsKey(keyId))
        {
            throw new RootKeyInUseException(string.Create(CultureInfo.InvariantCulture,
                $"the root key file holds no root key {keyId} (it holds {string.Join(", ", _keys.Keys.Order())})"));
        }

        return new RootKeyRing(_keys.Where(k => k.Key != keyId).ToDictionary(k => k.Key, k => k.Value));
    }

    /// <summary>The keys themselves, for the root key file only.</summary>
    internal IReadOnlyDictionary<int, byte[]> Material => _keys;

    /// <summary>Makes a ring of the keys read from a root key file.</summary>
    internal static RootKeyRing FromMaterial(IReadOnlyDictionary<int, byte[]> keys)
    {
        if (keys.Count == 0 || keys.Values.Any(k => k.Length != KeySize))
        {
            throw new InvalidDataException("its keys are not 32-byte keys");
        }

        return new RootKeyRing(keys);
    }

    private static byte[] Aad(ReadOnlySpan<byte> header, ReadOnlySpan<byte> associatedData)
    {
        var aad = new byte[header.Length + associatedData.Length];
        header.CopyTo(aad);
        associatedData.CopyTo(aad.AsSpan(header.Length));
        return aad;
    }
}
