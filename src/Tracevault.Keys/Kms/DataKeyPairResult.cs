namespace Tracevault.Keys.Kms;

/// <summary>The answer of GenerateDataKeyPair (with <see cref="PrivateKeyPlaintext"/>) and GenerateDataKeyPairWithoutPlaintext (without).</summary>
/// <param name="PrivateKeyCiphertextBlob">The PKCS#8 private key encrypted under the KMS key, as Encrypt would encrypt it.</param>
/// <param name="PrivateKeyPlaintext">The DER PKCS#8 private key, or null without plaintext.</param>
/// <param name="PublicKey">The DER SubjectPublicKeyInfo of the pair.</param>
/// <param name="KeyArn">The ARN of the KMS key.</param>
/// <param name="KeyPairSpec">The kind of pair made.</param>
/// <param name="KeyMaterialId">The id of the KMS key's material that encrypted the private key.</param>
public sealed record DataKeyPairResult(byte[] PrivateKeyCiphertextBlob, byte[]? PrivateKeyPlaintext, byte[] PublicKey, string KeyArn, string KeyPairSpec, string KeyMaterialId);
