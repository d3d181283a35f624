using System.Globalization;
using System.Security.Cryptography;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    private const int MaxPeerPublicKey = 8192;

    /// <summary>The key pair specs the model defines for data key pairs; SM2 and ECC_NIST_EDWARDS25519 are refused with UnsupportedOperationException.</summary>
    private static readonly string[] DataKeyPairSpecs =
        ["RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1", "SM2", "ECC_NIST_EDWARDS25519"];

    /// <summary>GenerateDataKeyPair: a fresh RSA or ECC key pair, its private key returned in plaintext and encrypted under the symmetric key.</summary>
    public DataKeyPairResult GenerateDataKeyPair(Caller caller, GenerateDataKeyPairRequest request) => GenerateDataKeyPairCore(caller, request, withPlaintext: true);

    /// <summary>GenerateDataKeyPairWithoutPlaintext: a fresh RSA or ECC key pair, its private key returned only encrypted under the symmetric key.</summary>
    public DataKeyPairResult GenerateDataKeyPairWithoutPlaintext(Caller caller, GenerateDataKeyPairRequest request) => GenerateDataKeyPairCore(caller, request, withPlaintext: false);

    /// <summary>DeriveSharedSecret: the raw ECDH secret of a KEY_AGREEMENT key's private key and a peer's public key on the same curve.</summary>
    public SharedSecretResult DeriveSharedSecret(Caller caller, DeriveSharedSecretRequest request) => Run(caller, "DeriveSharedSecret", true, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        call.RequestParameters["keyId"] = request.KeyId;
        call.RequestParameters["keyAgreementAlgorithm"] = request.KeyAgreementAlgorithm;
        ValidateGrantTokens(request.GrantTokens);
        if (request.KeyAgreementAlgorithm != "ECDH")
        {
            throw KmsErrors.Validation("keyAgreementAlgorithm", $"'{request.KeyAgreementAlgorithm}'", "Member must satisfy enum value set: [ECDH]");
        }

        if (request.PublicKey.Length is < 1 or > MaxPeerPublicKey)
        {
            throw KmsErrors.Validation("publicKey", "(a blob)", request.PublicKey.Length == 0
                ? "Member must have length greater than or equal to 1"
                : "Member must have length less than or equal to 8192");
        }

        var key = call.Touch(ResolveKey(caller, request.KeyId, aliases: true));
        Authorize(caller, key, "DeriveSharedSecret", EncryptionContext.Empty);
        RequireUsable(key);
        if (key.KeyUsage != "KEY_AGREEMENT")
        {
            throw KmsErrors.InvalidKeyUsage(key.Arn, key.KeyUsage, "DeriveSharedSecret");
        }

        var curve = KeySpecs.CurveOf(key.KeySpec);
        using var peer = ECDiffieHellman.Create();
        try
        {
            peer.ImportSubjectPublicKeyInfo(request.PublicKey, out var read);
            if (read != request.PublicKey.Length)
            {
                throw new CryptographicException("Trailing bytes after the SubjectPublicKeyInfo.");
            }
        }
        catch (CryptographicException)
        {
            throw KmsErrors.Validation("The PublicKey is not a DER-encoded X.509 SubjectPublicKeyInfo of an elliptic curve public key.");
        }

        if (peer.ExportParameters(false).Curve.Oid?.Value != curve.Oid.Value)
        {
            throw KmsErrors.Validation($"The PublicKey is not on the curve of {key.Arn} ({key.KeySpec}): both key pairs must use the same elliptic curve.");
        }

        StopIfDryRun(request.DryRun);
        var material = Material(key, key.CurrentVersion) ?? throw KmsErrors.KeyDoesNotExist(key.Arn);
        using var own = ECDiffieHellman.Create();
        own.ImportPkcs8PrivateKey(material, out _);
        return new SharedSecretResult(own.DeriveRawSecretAgreement(peer.PublicKey), key.Arn, "ECDH", key.Origin);
    });

    private DataKeyPairResult GenerateDataKeyPairCore(Caller caller, GenerateDataKeyPairRequest request, bool withPlaintext)
    {
        ArgumentNullException.ThrowIfNull(request);
        var operation = withPlaintext ? "GenerateDataKeyPair" : "GenerateDataKeyPairWithoutPlaintext";
        return Run(caller, operation, true, call =>
        {
            call.RequestParameters["keyId"] = request.KeyId;
            call.RequestParameters["keyPairSpec"] = request.KeyPairSpec;
            call.Context("encryptionContext", request.EncryptionContext);
            ValidateGrantTokens(request.GrantTokens);
            if (!DataKeyPairSpecs.Contains(request.KeyPairSpec, StringComparer.Ordinal))
            {
                throw KmsErrors.Validation("keyPairSpec", $"'{request.KeyPairSpec}'", "Member must satisfy enum value set: [" + string.Join(", ", DataKeyPairSpecs) + "]");
            }

            var key = call.Touch(ResolveKey(caller, request.KeyId, aliases: true));
            Authorize(caller, key, operation, request.EncryptionContext);
            if (request.KeyPairSpec is "SM2" or "ECC_NIST_EDWARDS25519")
            {
                throw KmsErrors.Unsupported(request.KeyPairSpec == "SM2"
                    ? "SM2 data key pairs are available only in AWS China Regions; Tracevault does not make them."
                    : "Tracevault does not make ECC_NIST_EDWARDS25519 data key pairs.");
            }

            RequireUsable(key);
            if (key.KeyUsage != "ENCRYPT_DECRYPT")
            {
                throw KmsErrors.InvalidKeyUsage(key.Arn, key.KeyUsage, operation);
            }

            if (!key.IsSymmetric)
            {
                throw KmsErrors.InvalidKeySpecFor(key.Arn, key.KeySpec, operation);
            }

            StopIfDryRun(request.DryRun);
            var (privateKey, publicKey) = NewDataKeyPair(request.KeyPairSpec);
            try
            {
                var blob = SealUnder(key, privateKey, request.EncryptionContext);
                return new DataKeyPairResult(blob, withPlaintext ? privateKey : null, publicKey, key.Arn, request.KeyPairSpec, KeyMaterialId(key.Arn, key.CurrentVersion));
            }
            finally
            {
                if (!withPlaintext)
                {
                    CryptographicOperations.ZeroMemory(privateKey);
                }
            }
        });
    }

    /// <summary>A fresh key pair of a data key pair spec: the DER PKCS#8 private key and the DER SubjectPublicKeyInfo.</summary>
    private static (byte[] PrivateKey, byte[] PublicKey) NewDataKeyPair(string spec)
    {
        if (spec.StartsWith("RSA_", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create(int.Parse(spec["RSA_".Length..], CultureInfo.InvariantCulture));
            return (rsa.ExportPkcs8PrivateKey(), rsa.ExportSubjectPublicKeyInfo());
        }

        using var ecc = ECDsa.Create(KeySpecs.CurveOf(spec));
        return (ecc.ExportPkcs8PrivateKey(), ecc.ExportSubjectPublicKeyInfo());
    }
}
