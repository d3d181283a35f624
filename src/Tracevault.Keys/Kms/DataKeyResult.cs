namespace Tracevault.Keys.Kms;

/// <summary>The answer of GenerateDataKey (with <see cref="Plaintext"/>) and GenerateDataKeyWithoutPlaintext (without).</summary>
/// <param name="CiphertextBlob">The data key encrypted under the KMS key.</param>
/// <param name="Plaintext">The data key, or null without plaintext.</param>
/// <param name="KeyArn">The ARN of the KMS key.</param>
public sealed record DataKeyResult(byte[] CiphertextBlob, byte[]? Plaintext, string KeyArn);
