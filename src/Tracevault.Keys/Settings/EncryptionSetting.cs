namespace Tracevault.Keys.Settings;

/// <summary>One version of an account's encryption setting; a change appends a new version, never edits one.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="Version">The version, 1 for the first change.</param>
/// <param name="Type">Default encryption or a KMS key.</param>
/// <param name="KeyArn">The KMS key's ARN, with <see cref="EncryptionType.Kms"/>.</param>
/// <param name="ChangedAt">When the change was made.</param>
/// <param name="ChangedBy">The principal that made it.</param>
public sealed record EncryptionSetting(string AccountId, int Version, EncryptionType Type, string? KeyArn, DateTimeOffset ChangedAt, string ChangedBy)
{
    /// <summary>The grant Tracevault made when the key is in the external key service; null for a built-in key.</summary>
    public External.ExternalGrant? ExternalGrant { get; init; }

    /// <summary>Whether the key is in the external key service rather than the built-in KMS.</summary>
    public bool IsExternal => ExternalGrant is not null;

    /// <summary>The setting of an account that never chose: default encryption, version 0.</summary>
    public static EncryptionSetting Default(string accountId) => new(accountId, 0, EncryptionType.None, null, DateTimeOffset.UnixEpoch, "");
}
