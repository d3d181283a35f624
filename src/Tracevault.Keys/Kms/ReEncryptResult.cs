namespace Tracevault.Keys.Kms;

/// <summary>The answer of ReEncrypt.</summary>
/// <param name="CiphertextBlob">The new blob.</param>
/// <param name="SourceKeyArn">The ARN of the key that decrypted the source.</param>
/// <param name="KeyArn">The ARN of the destination key.</param>
public sealed record ReEncryptResult(byte[] CiphertextBlob, string SourceKeyArn, string KeyArn);
