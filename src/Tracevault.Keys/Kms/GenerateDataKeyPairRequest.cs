namespace Tracevault.Keys.Kms;

/// <summary>The parameters of GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext.</summary>
/// <param name="KeyId">The symmetric encryption key that encrypts the private key, as key id, key ARN, alias name or alias ARN.</param>
/// <param name="KeyPairSpec">The kind of pair: RSA_2048, RSA_3072, RSA_4096, ECC_NIST_P256, ECC_NIST_P384, ECC_NIST_P521 or ECC_SECG_P256K1.</param>
/// <param name="EncryptionContext">The context bound to the encrypted private key.</param>
public sealed record GenerateDataKeyPairRequest(string KeyId, string KeyPairSpec, IReadOnlyDictionary<string, string> EncryptionContext)
{
    /// <summary>Grant tokens (accepted; grants take effect at once here).</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];

    /// <summary>When set, the call is checked (permissions, parameters, key state) but not made: it ends in DryRunOperationException.</summary>
    public bool DryRun { get; init; }
}
