namespace Tracevault.Keys.Kms;

/// <summary>The parameters of Encrypt.</summary>
/// <param name="KeyId">The key, as key id, key ARN, alias name or alias ARN.</param>
/// <param name="Plaintext">1 to 4096 bytes.</param>
/// <param name="EncryptionContext">The context bound to the ciphertext.</param>
public sealed record EncryptRequest(string KeyId, byte[] Plaintext, IReadOnlyDictionary<string, string> EncryptionContext)
{
    /// <summary>The algorithm; SYMMETRIC_DEFAULT when null.</summary>
    public string? EncryptionAlgorithm { get; init; }

    /// <summary>Grant tokens (accepted; grants take effect at once here).</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];
}
