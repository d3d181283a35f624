namespace Tracevault.Keys.Kms;

/// <summary>The parameters of ImportKeyMaterial.</summary>
/// <param name="KeyId">The key id or key ARN.</param>
/// <param name="ImportToken">The token GetParametersForImport gave.</param>
/// <param name="EncryptedKeyMaterial">The key material, wrapped with the token's public key and algorithm.</param>
public sealed record ImportKeyMaterialRequest(string KeyId, byte[] ImportToken, byte[] EncryptedKeyMaterial)
{
    /// <summary>KEY_MATERIAL_EXPIRES (the default) or KEY_MATERIAL_DOES_NOT_EXPIRE.</summary>
    public string? ExpirationModel { get; init; }

    /// <summary>When the material expires; required for KEY_MATERIAL_EXPIRES, refused otherwise.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>NEW_KEY_MATERIAL or EXISTING_KEY_MATERIAL; null to let the key's history decide.</summary>
    public string? ImportType { get; init; }

    /// <summary>The id of the material being imported again, when given.</summary>
    public string? KeyMaterialId { get; init; }
}
