namespace Tracevault.Keys.Kms;

/// <summary>The parameters of DeriveSharedSecret.</summary>
/// <param name="KeyId">The KEY_AGREEMENT key, as key id, key ARN, alias name or alias ARN.</param>
/// <param name="KeyAgreementAlgorithm">The algorithm; only ECDH.</param>
/// <param name="PublicKey">The peer's DER SubjectPublicKeyInfo, on the key's curve.</param>
public sealed record DeriveSharedSecretRequest(string KeyId, string KeyAgreementAlgorithm, byte[] PublicKey)
{
    /// <summary>Grant tokens (accepted; grants take effect at once here).</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];

    /// <summary>When set, the call is checked (permissions, parameters, key state) but not made: it ends in DryRunOperationException.</summary>
    public bool DryRun { get; init; }
}
