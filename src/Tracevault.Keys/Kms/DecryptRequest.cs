namespace Tracevault.Keys.Kms;

/// <summary>The parameters of Decrypt.</summary>
/// <param name="CiphertextBlob">The blob Encrypt or GenerateDataKey returned.</param>
/// <param name="EncryptionContext">The context it was made with.</param>
public sealed record DecryptRequest(byte[] CiphertextBlob, IReadOnlyDictionary<string, string> EncryptionContext)
{
    /// <summary>The key the caller expects, in any form; optional for symmetric blobs.</summary>
    public string? KeyId { get; init; }

    /// <summary>The algorithm; SYMMETRIC_DEFAULT when null.</summary>
    public string? EncryptionAlgorithm { get; init; }

    /// <summary>Grant tokens (accepted; grants take effect at once here).</summary>
    public IReadOnlyList<string> GrantTokens { get; init; } = [];

    /// <summary>The service a user's call comes through, e.g. <c>xray.amazonaws.com</c>: sets <c>kms:ViaService</c>. Internal callers only.</summary>
    public string? ViaService { get; init; }
}
