namespace Tracevault.Keys.Envelope;

/// <summary>A data key: the AES-256 key that seals chunks, and the reference stored beside them to find it again.</summary>
/// <remarks>The key bytes live in memory only; the reference (and, for KMS data keys, the wrapped copy it points to) is all that is stored.</remarks>
/// <param name="Reference">The plaintext name of the data key stored in each chunk header, e.g. <c>default/1/20261128</c> or <c>kms/&lt;id&gt;</c>.</param>
/// <param name="Key">The 32 key bytes.</param>
/// <param name="KeyArn">The KMS key that protects it, or null for the service's own default encryption.</param>
public sealed record DataKey(string Reference, byte[] Key, string? KeyArn)
{
    /// <summary>Whether <see cref="KeyArn"/> is a key of the external key service rather than the built-in KMS.</summary>
    public bool External { get; init; }
}
