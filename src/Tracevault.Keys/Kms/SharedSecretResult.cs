namespace Tracevault.Keys.Kms;

/// <summary>The answer of DeriveSharedSecret.</summary>
/// <param name="SharedSecret">The raw ECDH shared secret: the x-coordinate of the shared point.</param>
/// <param name="KeyArn">The ARN of the KMS key.</param>
/// <param name="KeyAgreementAlgorithm">The algorithm used: ECDH.</param>
/// <param name="KeyOrigin">Where the key's material came from.</param>
public sealed record SharedSecretResult(byte[] SharedSecret, string KeyArn, string KeyAgreementAlgorithm, string KeyOrigin);
