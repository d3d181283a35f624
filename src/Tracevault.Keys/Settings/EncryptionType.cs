namespace Tracevault.Keys.Settings;

/// <summary>X-Ray's encryption types: the service's own key, or a KMS key.</summary>
public enum EncryptionType
{
    /// <summary>Default encryption with Tracevault's own key (<c>NONE</c> on the wire).</summary>
    None,

    /// <summary>A KMS key: <c>aws/xray</c> or a customer key (<c>KMS</c> on the wire).</summary>
    Kms,
}
