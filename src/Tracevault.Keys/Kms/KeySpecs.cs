namespace Tracevault.Keys.Kms;

/// <summary>The key specs Tracevault can create, and what each can do.</summary>
public static class KeySpecs
{
    /// <summary>AES-256-GCM, for encryption.</summary>
    public const string SymmetricDefault = "SYMMETRIC_DEFAULT";

    /// <summary>Every supported spec.</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal) { SymmetricDefault, "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521" };

    /// <summary>Every spec the model defines; the ones Tracevault lacks are refused with UnsupportedOperationException.</summary>
    public static readonly IReadOnlySet<string> Modelled = new HashSet<string>(StringComparer.Ordinal)
    {
        SymmetricDefault, "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
        "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519",
    };

    /// <summary>The key usages a spec allows.</summary>
    public static IReadOnlyList<string> UsagesOf(string spec) => spec switch
    {
        SymmetricDefault => ["ENCRYPT_DECRYPT"],
        "ECC_NIST_P256" => ["SIGN_VERIFY", "KEY_AGREEMENT"],
        "ECC_NIST_P384" or "ECC_NIST_P521" => ["KEY_AGREEMENT"],
        _ => ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
    };

    /// <summary>The encryption algorithms a key offers, or an empty list.</summary>
    public static IReadOnlyList<string> EncryptionAlgorithms(KmsKey key) => key.KeyUsage != "ENCRYPT_DECRYPT"
        ? []
        : key.IsSymmetric ? ["SYMMETRIC_DEFAULT"] : ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

    /// <summary>The signing algorithms a key offers, or an empty list.</summary>
    public static IReadOnlyList<string> SigningAlgorithms(KmsKey key) => key.KeyUsage != "SIGN_VERIFY"
        ? []
        : key.KeySpec == "ECC_NIST_P256" ? ["ECDSA_SHA_256"] : ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"];

    /// <summary>The key agreement algorithms a key offers, or an empty list.</summary>
    public static IReadOnlyList<string> KeyAgreementAlgorithms(KmsKey key) => key.KeyUsage == "KEY_AGREEMENT" ? ["ECDH"] : [];
}
