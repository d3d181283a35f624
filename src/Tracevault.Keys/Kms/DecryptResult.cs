namespace Tracevault.Keys.Kms;

/// <summary>The answer of Decrypt.</summary>
/// <param name="Plaintext">The plaintext.</param>
/// <param name="KeyArn">The ARN of the key that decrypted it.</param>
/// <param name="EncryptionAlgorithm">The algorithm.</param>
public sealed record DecryptResult(byte[] Plaintext, string KeyArn, string EncryptionAlgorithm);
