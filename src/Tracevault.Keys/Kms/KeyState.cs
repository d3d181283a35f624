namespace Tracevault.Keys.Kms;

/// <summary>The life-cycle state of a KMS key.</summary>
public enum KeyState
{
    /// <summary>Usable for cryptographic operations.</summary>
    Enabled,

    /// <summary>Kept, but refused for cryptographic operations.</summary>
    Disabled,

    /// <summary>Scheduled for deletion; refused for cryptographic operations.</summary>
    PendingDeletion,

    /// <summary>Deleted: its key material is destroyed and it no longer exists for any caller.</summary>
    Deleted,

    /// <summary>A key of origin EXTERNAL without key material (never imported, deleted or expired); refused for cryptographic operations.</summary>
    PendingImport,
}
