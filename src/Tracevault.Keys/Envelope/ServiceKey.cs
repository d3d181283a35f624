using System.Security.Cryptography;
using System.Text;

namespace Tracevault.Keys.Envelope;

/// <summary>Tracevault's own key, behind default encryption: data keys and blind-index keys are derived from it per account.</summary>
/// <remarks>Kept sealed under the root key at rest; the derivations are HKDF-SHA256 with distinct labels. Immutable and thread-safe.</remarks>
public sealed class ServiceKey
{
    private readonly byte[] _key;

    /// <summary>Wraps the service key's bytes and its version.</summary>
    public ServiceKey(int version, byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The service key is 32 bytes.", nameof(key));
        }

        Version = version;
        _key = key;
    }

    /// <summary>The service key's version, named in the data-key references derived from it.</summary>
    public int Version { get; }

    /// <summary>Creates a fresh random service key.</summary>
    public static byte[] Generate() => RandomNumberGenerator.GetBytes(32);

    /// <summary>The associated data the service key is sealed with under the root key.</summary>
    public static byte[] SealingAssociatedData(int version) => Encoding.UTF8.GetBytes($"tracevault/service-key/{version}");

    /// <summary>Derives a 32-byte key for <paramref name="label"/>.</summary>
    public byte[] Derive(string label) => HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, salt: [], info: Encoding.UTF8.GetBytes(label));
}
