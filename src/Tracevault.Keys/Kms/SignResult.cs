namespace Tracevault.Keys.Kms;

/// <summary>The answer of Sign.</summary>
/// <param name="KeyArn">The ARN of the key that signed.</param>
/// <param name="Signature">The signature: PKCS #1 v1.5 or PSS bytes for RSA, a DER-encoded ECDSA-Sig-Value for ECC.</param>
/// <param name="SigningAlgorithm">The algorithm used.</param>
public sealed record SignResult(string KeyArn, byte[] Signature, string SigningAlgorithm);
