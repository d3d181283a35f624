namespace Tracevault.Keys.Kms;

/// <summary>The answer of Verify; a signature that does not verify is KMSInvalidSignatureException instead.</summary>
/// <param name="KeyArn">The ARN of the key that verified.</param>
/// <param name="SignatureValid">Whether the signature is valid: always true here.</param>
/// <param name="SigningAlgorithm">The algorithm used.</param>
public sealed record VerifyResult(string KeyArn, bool SignatureValid, string SigningAlgorithm);
