using System.Security.Cryptography;

namespace Tracevault.Keys.Kms;

/// <summary>The key specs Tracevault can create, and what each can do.</summary>
public static class KeySpecs
{
    /// <summary>AES-256-GCM, for encryption.</summary>
    public const string SymmetricDefault = "SYMMETRIC_DEFAULT";

    /// <summary>Every supported spec.</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        SymmetricDefault, "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256",
        "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512",
    };

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
        "ECC_NIST_P256" or "ECC_NIST_P384" or "ECC_NIST_P521" => ["SIGN_VERIFY", "KEY_AGREEMENT"],
        "ECC_SECG_P256K1" => ["SIGN_VERIFY"],
        "HMAC_224" or "HMAC_256" or "HMAC_384" or "HMAC_512" => ["GENERATE_VERIFY_MAC"],
        _ => ["ENCRYPT_DECRYPT", "SIGN_VERIFY"],
    };

    /// <summary>The encryption algorithms a key offers, or an empty list.</summary>
    public static IReadOnlyList<string> EncryptionAlgorithms(KmsKey key) => key.KeyUsage != "ENCRYPT_DECRYPT"
        ? []
        : key.IsSymmetric ? ["SYMMETRIC_DEFAULT"] : ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"];

    /// <summary>The signing algorithms a key offers, or an empty list.</summary>
    public static IReadOnlyList<string> SigningAlgorithms(KmsKey key) => key.KeyUsage != "SIGN_VERIFY"
        ? []
        : key.KeySpec switch
        {
            "ECC_NIST_P256" or "ECC_SECG_P256K1" => ["ECDSA_SHA_256"],
            "ECC_NIST_P384" => ["ECDSA_SHA_384"],
            "ECC_NIST_P521" => ["ECDSA_SHA_512"],
            _ => ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512"],
        };

    /// <summary>The MAC algorithms a key offers (an HMAC key: the one of its size), or an empty list.</summary>
    public static IReadOnlyList<string> MacAlgorithms(KmsKey key) => key.KeyUsage != "GENERATE_VERIFY_MAC" || !key.KeySpec.StartsWith("HMAC_", StringComparison.Ordinal)
        ? []
        : ["HMAC_SHA_" + key.KeySpec["HMAC_".Length..]];

    /// <summary>The key agreement algorithms a key offers, or an empty list.</summary>
    public static IReadOnlyList<string> KeyAgreementAlgorithms(KmsKey key) => key.KeyUsage == "KEY_AGREEMENT" ? ["ECDH"] : [];

    /// <summary>The elliptic curve of an ECC key spec.</summary>
    public static ECCurve CurveOf(string spec) => spec switch
    {
        "ECC_NIST_P256" => ECCurve.NamedCurves.nistP256,
        "ECC_NIST_P384" => ECCurve.NamedCurves.nistP384,
        "ECC_NIST_P521" => ECCurve.NamedCurves.nistP521,
        "ECC_SECG_P256K1" => ECCurve.CreateFromFriendlyName("secP256k1"),
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "Not an elliptic curve key spec."),
    };
}
