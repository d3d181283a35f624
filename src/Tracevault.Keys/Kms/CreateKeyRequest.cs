namespace Tracevault.Keys.Kms;

/// <summary>The parameters of CreateKey.</summary>
public sealed record CreateKeyRequest
{
    /// <summary>The key policy; null for the default policy.</summary>
    public string? Policy { get; init; }

    /// <summary>The description; null for none.</summary>
    public string? Description { get; init; }

    /// <summary>ENCRYPT_DECRYPT (default for symmetric keys) or SIGN_VERIFY.</summary>
    public string? KeyUsage { get; init; }

    /// <summary>The key spec; SYMMETRIC_DEFAULT when null.</summary>
    public string? KeySpec { get; init; }

    /// <summary>AWS_KMS when null; EXTERNAL for a key whose material its owner imports.</summary>
    public string? Origin { get; init; }

    /// <summary>The key's tags.</summary>
    public IReadOnlyList<KmsTag> Tags { get; init; } = [];

    /// <summary>Whether a multi-Region key is asked for (not supported).</summary>
    public bool MultiRegion { get; init; }

    /// <summary>Skips the check that the policy lets the caller change it later.</summary>
    public bool BypassPolicyLockoutSafetyCheck { get; init; }
}
