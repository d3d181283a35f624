namespace Tracevault.Keys.Kms;

/// <summary>The answer of GetPublicKey.</summary>
/// <param name="Key">The key.</param>
/// <param name="PublicKey">The DER SubjectPublicKeyInfo.</param>
public sealed record PublicKeyResult(KmsKey Key, byte[] PublicKey);
