namespace Tracevault.Keys.Settings;

/// <summary>A data key as stored beside the chunks it seals: wrapped by a KMS key, never in the clear.</summary>
/// <param name="Id">The data key's id, named in chunk headers as <c>kms/&lt;id&gt;</c>.</param>
/// <param name="AccountId">The account whose data it seals.</param>
/// <param name="KeyArn">The KMS key that wraps it.</param>
/// <param name="CiphertextBlob">The KMS ciphertext of the data key.</param>
/// <param name="CreatedAt">When it was generated.</param>
/// <param name="External">True when the key is in the external key service, which alone can unwrap it.</param>
public sealed record WrappedDataKey(long Id, string AccountId, string KeyArn, byte[] CiphertextBlob, DateTimeOffset CreatedAt, bool External = false)
{
    /// <summary>The prefix of references to KMS data keys.</summary>
    public const string ReferencePrefix = "kms/";

    /// <summary>The reference chunk headers carry.</summary>
    public string Reference => ReferencePrefix + Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
