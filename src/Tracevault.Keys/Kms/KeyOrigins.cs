namespace Tracevault.Keys.Kms;

/// <summary>Where a KMS key's material comes from (the model's OriginType).</summary>
public static class KeyOrigins
{
    /// <summary>Tracevault made the key material.</summary>
    public const string AwsKms = "AWS_KMS";

    /// <summary>The key's owner imports the key material (ImportKeyMaterial).</summary>
    public const string External = "EXTERNAL";

    /// <summary>Every origin the model defines.</summary>
    public static readonly IReadOnlySet<string> Modelled = new HashSet<string>(StringComparer.Ordinal) { AwsKms, External, "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE" };
}
