namespace Tracevault.Keys.Kms;

/// <summary>The parameters of ReEncrypt.</summary>
/// <param name="CiphertextBlob">The blob to re-encrypt.</param>
/// <param name="SourceEncryptionContext">The context it was made with.</param>
/// <param name="DestinationKeyId">The key to encrypt under, in any form.</param>
/// <param name="DestinationEncryptionContext">The context to bind to the new blob.</param>
public sealed record ReEncryptRequest(byte[] CiphertextBlob, IReadOnlyDictionary<string, string> SourceEncryptionContext, string DestinationKeyId, IReadOnlyDictionary<string, string> DestinationEncryptionContext)
{
    /// <summary>The key the caller expects the source to be under; optional.</summary>
    public string? SourceKeyId { get; init; }

    /// <summary>Grant tokens.</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];
}
