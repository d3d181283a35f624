namespace Tracevault.Keys.Kms;

/// <summary>The parameters of GenerateDataKey and GenerateDataKeyWithoutPlaintext.</summary>
/// <param name="KeyId">The key, as key id, key ARN, alias name or alias ARN.</param>
/// <param name="EncryptionContext">The context bound to the wrapped data key.</param>
public sealed record GenerateDataKeyRequest(string KeyId, IReadOnlyDictionary<string, string> EncryptionContext)
{
    /// <summary>AES_256 or AES_128; exactly one of this and <see cref="NumberOfBytes"/>.</summary>
    public string? KeySpec { get; init; }

    /// <summary>1 to 1024; exactly one of this and <see cref="KeySpec"/>.</summary>
    public int? NumberOfBytes { get; init; }

    /// <summary>Grant tokens (accepted; grants take effect at once here).</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];
}
