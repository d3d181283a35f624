namespace Tracevault.Keys.Kms;

/// <summary>One version of a key's material, sealed under the root key with the key ARN and version as associated data.</summary>
/// <param name="KeyId">The key's UUID.</param>
/// <param name="Version">The version, 1 for the key's first material.</param>
/// <param name="SealedMaterial">The material sealed by <see cref="RootKeys.RootKeyRing"/>: AES key bytes, or a PKCS#8 private key.</param>
/// <param name="CreatedAt">When the version was made.</param>
/// <param name="RotationType">AUTOMATIC or ON_DEMAND for a rotation; null for the key's first material.</param>
public sealed record KeyVersion(string KeyId, int Version, byte[] SealedMaterial, DateTimeOffset CreatedAt, string? RotationType);
