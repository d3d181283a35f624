namespace Tracevault.Keys.Kms;

/// <summary>One revision of a KMS key's metadata; every change is a new revision appended, never an edit.</summary>
/// <param name="KeyId">The key's UUID.</param>
/// <param name="AccountId">The account that owns the key.</param>
/// <param name="Arn">The key ARN, <c>arn:aws:kms:REGION:ACCOUNT:key/ID</c>.</param>
/// <param name="Revision">The revision number, 1 for a new key.</param>
/// <param name="CreationDate">When the key was created.</param>
/// <param name="Description">The description, empty when unset.</param>
/// <param name="KeyUsage">ENCRYPT_DECRYPT or SIGN_VERIFY.</param>
/// <param name="KeySpec">SYMMETRIC_DEFAULT, RSA_2048, RSA_3072, RSA_4096 or ECC_NIST_P256.</param>
/// <param name="KeyManager">CUSTOMER, or AWS for an AWS managed key.</param>
/// <param name="State">The life-cycle state.</param>
/// <param name="Policy">The key policy document, as given.</param>
/// <param name="Tags">The key's tags.</param>
public sealed record KmsKey(
    string KeyId,
    string AccountId,
    string Arn,
    long Revision,
    DateTimeOffset CreationDate,
    string Description,
    string KeyUsage,
    string KeySpec,
    string KeyManager,
    KeyState State,
    string Policy,
    IReadOnlyList<KmsTag> Tags)
{
    /// <summary>When a key pending deletion is deleted.</summary>
    public DateTimeOffset? DeletionDate { get; init; }

    /// <summary>The waiting period, in days, of a key pending deletion.</summary>
    public int? PendingWindowInDays { get; init; }

    /// <summary>The automatic rotation period in days, or null when automatic rotation is off.</summary>
    public int? RotationPeriodInDays { get; init; }

    /// <summary>When the next automatic rotation is due, when it is on.</summary>
    public DateTimeOffset? NextRotationDate { get; init; }

    /// <summary>How many on-demand rotations the key has had.</summary>
    public int OnDemandRotations { get; init; }

    /// <summary>The newest key version: the one new ciphertext is made with.</summary>
    public int CurrentVersion { get; init; } = 1;

    /// <summary>The DER SubjectPublicKeyInfo of an asymmetric key; null for symmetric keys.</summary>
    public byte[]? PublicKey { get; init; }

    /// <summary>AWS_KMS when Tracevault made the key material, EXTERNAL when its owner imports it.</summary>
    public string Origin { get; init; } = KeyOrigins.AwsKms;

    /// <summary>KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE while an EXTERNAL key holds imported material; null otherwise.</summary>
    public string? ExpirationModel { get; init; }

    /// <summary>When the imported material expires (and is deleted), for KEY_MATERIAL_EXPIRES.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>A non-secret check of the material first imported into an EXTERNAL key (HMAC-SHA256 keyed by the material), so only the same material is taken again.</summary>
    /// <remarks>Stores may give back an absent check as an empty array: both mean none.</remarks>
    public byte[]? ImportedMaterialCheck { get; init => field = value is { Length: 0 } ? null : value; }

    /// <summary>When this revision was made.</summary>
    public DateTimeOffset RevisedAt { get; init; }

    /// <summary>Whether the key is symmetric (SYMMETRIC_DEFAULT).</summary>
    public bool IsSymmetric => KeySpec == KeySpecs.SymmetricDefault;

    /// <summary>Whether the key's material is imported by its owner (Origin EXTERNAL).</summary>
    public bool IsExternal => Origin == KeyOrigins.External;

    /// <summary>Whether the key holds key material now: always, unless it is EXTERNAL and its material is not imported.</summary>
    public bool HasMaterial => !IsExternal || ExpirationModel is not null;

    /// <summary>Whether AWS (here: Tracevault on a service's behalf) manages the key.</summary>
    public bool IsAwsManaged => KeyManager == "AWS";
}
