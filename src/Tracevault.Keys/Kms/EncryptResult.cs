namespace Tracevault.Keys.Kms;

/// <summary>The answer of Encrypt and ReEncrypt.</summary>
/// <param name="CiphertextBlob">The ciphertext blob.</param>
/// <param name="KeyArn">The ARN of the key used.</param>
/// <param name="EncryptionAlgorithm">The algorithm used.</param>
public sealed record EncryptResult(byte[] CiphertextBlob, string KeyArn, string EncryptionAlgorithm);
