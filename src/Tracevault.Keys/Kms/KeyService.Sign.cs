using System.Security.Cryptography;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    private const int MaxMessage = 4096;
    private const int MaxSignature = 6144;
    private const string SignVerify = "SIGN_VERIFY";
    private const string GenerateVerifyMac = "GENERATE_VERIFY_MAC";

    /// <summary>Every signing algorithm the model defines; the ones a key does not offer are InvalidKeyUsageException.</summary>
    private static readonly string[] ModelledSigningAlgorithms =
    [
        "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
        "ECDSA_SHA_256", "ECDSA_SHA_384", "ECDSA_SHA_512", "SM2DSA", "ML_DSA_SHAKE_256", "ED25519_SHA_512", "ED25519_PH_SHA_512",
    ];

    private static readonly string[] ModelledMacAlgorithms = ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"];

    private static readonly string[] MessageTypes = ["RAW", "DIGEST", "EXTERNAL_MU"];

    /// <summary>Sign: signs a message, or its digest, with the private key of an asymmetric SIGN_VERIFY key.</summary>
    public SignResult Sign(Caller caller, SignRequest request) => Run(caller, "Sign", true, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        var messageType = request.MessageType ?? "RAW";
        var key = SigningKey(call, caller, "Sign", request.KeyId, messageType, request.SigningAlgorithm, request.GrantTokens);
        var digest = SigningInput(key, "Sign", request.Message, messageType, request.SigningAlgorithm);
        StopIfDryRun(request.DryRun);
        var material = Material(key, key.CurrentVersion) ?? throw KmsErrors.KeyDoesNotExist(key.Arn);
        var hash = SigningHash(request.SigningAlgorithm);
        byte[] signature;
        if (key.KeySpec.StartsWith("RSA_", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            rsa.ImportPkcs8PrivateKey(material, out _);
            signature = rsa.SignHash(digest, hash, RsaPadding(request.SigningAlgorithm));
        }
        else
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(material, out _);
            signature = ecdsa.SignHash(digest, DSASignatureFormat.Rfc3279DerSequence);
        }

        return new SignResult(key.Arn, signature, request.SigningAlgorithm);
    });

    /// <summary>Verify: checks a signature with the public key of an asymmetric SIGN_VERIFY key; one that does not verify is KMSInvalidSignatureException.</summary>
    public VerifyResult Verify(Caller caller, VerifyRequest request) => Run(caller, "Verify", true, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        var messageType = request.MessageType ?? "RAW";
        var key = SigningKey(call, caller, "Verify", request.KeyId, messageType, request.SigningAlgorithm, request.GrantTokens);
        if (request.Signature.Length is < 1 or > MaxSignature)
        {
            throw KmsErrors.Validation("signature", "'**Sensitive Data Redacted**'", request.Signature.Length == 0
                ? "Member must have length greater than or equal to 1"
                : "Member must have length less than or equal to 6144");
        }

        var digest = SigningInput(key, "Verify", request.Message, messageType, request.SigningAlgorithm);
        StopIfDryRun(request.DryRun);
        var publicKey = key.PublicKey ?? throw KmsErrors.InvalidKeyUsage(key.Arn, key.KeyUsage, "Verify");
        var hash = SigningHash(request.SigningAlgorithm);
        bool valid;
        try
        {
            if (key.KeySpec.StartsWith("RSA_", StringComparison.Ordinal))
            {
                using var rsa = RSA.Create();
                rsa.ImportSubjectPublicKeyInfo(publicKey, out _);
                valid = rsa.VerifyHash(digest, request.Signature, hash, RsaPadding(request.SigningAlgorithm));
            }
            else
            {
                using var ecdsa = ECDsa.Create();
                ecdsa.ImportSubjectPublicKeyInfo(publicKey, out _);
                valid = ecdsa.VerifyHash(digest, request.Signature, DSASignatureFormat.Rfc3279DerSequence);
            }
        }
        catch (CryptographicException)
        {
            // A signature that is not even well-formed does not verify either.
            valid = false;
        }

        return valid ? new VerifyResult(key.Arn, true, request.SigningAlgorithm) : throw KmsErrors.InvalidSignature();
    });

    /// <summary>GenerateMac: the HMAC of a message under a GENERATE_VERIFY_MAC key.</summary>
    public MacResult GenerateMac(Caller caller, MacRequest request) => Run(caller, "GenerateMac", true, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = MacKey(caller, call, "GenerateMac", request);
        StopIfDryRun(request.DryRun);
        return new MacResult(key.Arn, ComputeMac(key, request), request.MacAlgorithm);
    });

    /// <summary>VerifyMac: recomputes the HMAC of a message and compares it in constant time; a mismatch is KMSInvalidMacException.</summary>
    public VerifyMacResult VerifyMac(Caller caller, MacRequest request, byte[] mac) => Run(caller, "VerifyMac", true, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(mac);
        var key = MacKey(caller, call, "VerifyMac", request);
        if (mac.Length is < 1 or > MaxSignature)
        {
            throw KmsErrors.Validation("mac", "'**Sensitive Data Redacted**'", mac.Length == 0
                ? "Member must have length greater than or equal to 1"
                : "Member must have length less than or equal to 6144");
        }

        StopIfDryRun(request.DryRun);
        var expected = ComputeMac(key, request);
        try
        {
            return CryptographicOperations.FixedTimeEquals(expected, mac) ? new VerifyMacResult(key.Arn, true, request.MacAlgorithm) : throw KmsErrors.InvalidMac();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(expected);
        }
    });

    /// <summary>The key a Sign or Verify call names, its parameters recorded, resolved and authorized.</summary>
    private KmsKey SigningKey(KmsCall call, Caller caller, string operation, string keyId, string messageType, string signingAlgorithm, IReadOnlyList<string> grantTokens)
    {
        call.RequestParameters["keyId"] = keyId;
        call.RequestParameters["messageType"] = messageType;
        call.RequestParameters["signingAlgorithm"] = signingAlgorithm;
        ValidateGrantTokens(grantTokens);
        var key = call.Touch(ResolveKey(caller, keyId, aliases: true));
        Authorize(caller, key, operation, EncryptionContext.Empty);
        return key;
    }

    /// <summary>Fresh material of an HMAC key: random bytes as many as the spec's bits (HMAC_224: 28 bytes).</summary>
    private static byte[] NewHmacMaterial(string spec) => RandomNumberGenerator.GetBytes(int.Parse(spec["HMAC_".Length..], System.Globalization.CultureInfo.InvariantCulture) / 8);

    /// <summary>Checks a Sign or Verify request against its key and answers the digest to sign: the message's hash (RAW) or the message itself (DIGEST).</summary>
    private static byte[] SigningInput(KmsKey key, string operation, byte[] message, string messageType, string algorithm)
    {
        RequireMessageLength(message);
        if (!MessageTypes.Contains(messageType, StringComparer.Ordinal))
        {
            throw KmsErrors.Validation("messageType", $"'{messageType}'", "Member must satisfy enum value set: [" + string.Join(", ", MessageTypes) + "]");
        }

        if (!ModelledSigningAlgorithms.Contains(algorithm, StringComparer.Ordinal))
        {
            throw KmsErrors.Validation("signingAlgorithm", $"'{algorithm}'", "Member must satisfy enum value set: [" + string.Join(", ", ModelledSigningAlgorithms) + "]");
        }

        RequireUsable(key);
        if (key.KeyUsage != SignVerify)
        {
            throw KmsErrors.InvalidKeyUsage(key.Arn, key.KeyUsage, operation);
        }

        if (!KeySpecs.SigningAlgorithms(key).Contains(algorithm, StringComparer.Ordinal))
        {
            throw KmsErrors.AlgorithmIncompatible(algorithm, key.KeySpec);
        }

        if (messageType == "EXTERNAL_MU")
        {
            throw KmsErrors.Validation($"Message type EXTERNAL_MU is incompatible with algorithm {algorithm}.");
        }

        var hash = SigningHash(algorithm);
        if (messageType == "RAW")
        {
            return hash == HashAlgorithmName.SHA256 ? SHA256.HashData(message)
                : hash == HashAlgorithmName.SHA384 ? SHA384.HashData(message)
                : SHA512.HashData(message);
        }

        var length = hash == HashAlgorithmName.SHA256 ? 32 : hash == HashAlgorithmName.SHA384 ? 48 : 64;
        return message.Length == length ? message : throw KmsErrors.DigestLength(algorithm);
    }

    private static void RequireMessageLength(byte[] message)
    {
        if (message.Length is < 1 or > MaxMessage)
        {
            throw KmsErrors.Validation("message", "'**Sensitive Data Redacted**'", message.Length == 0
                ? "Member must have length greater than or equal to 1"
                : "Member must have length less than or equal to 4096");
        }
    }

    private static HashAlgorithmName SigningHash(string algorithm) => algorithm[^3..] switch
    {
        "256" => HashAlgorithmName.SHA256,
        "384" => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    private static RSASignaturePadding RsaPadding(string algorithm) =>
        algorithm.StartsWith("RSASSA_PSS_", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;

    /// <summary>Records, resolves, authorizes and checks a GenerateMac or VerifyMac request; answers its key.</summary>
    private KmsKey MacKey(Caller caller, KmsCall call, string operation, MacRequest request)
    {
        call.RequestParameters["keyId"] = request.KeyId;
        call.RequestParameters["macAlgorithm"] = request.MacAlgorithm;
        ValidateGrantTokens(request.GrantTokens);
        var key = call.Touch(ResolveKey(caller, request.KeyId, aliases: true));
        Authorize(caller, key, operation, EncryptionContext.Empty);
        RequireMessageLength(request.Message);
        if (!ModelledMacAlgorithms.Contains(request.MacAlgorithm, StringComparer.Ordinal))
        {
            throw KmsErrors.Validation("macAlgorithm", $"'{request.MacAlgorithm}'", "Member must satisfy enum value set: [" + string.Join(", ", ModelledMacAlgorithms) + "]");
        }

        RequireUsable(key);
        if (key.KeyUsage != GenerateVerifyMac)
        {
            throw KmsErrors.InvalidKeyUsage(key.Arn, key.KeyUsage, operation);
        }

        if (!KeySpecs.MacAlgorithms(key).Contains(request.MacAlgorithm, StringComparer.Ordinal))
        {
            throw KmsErrors.AlgorithmIncompatible(request.MacAlgorithm, key.KeySpec);
        }

        return key;
    }

    private byte[] ComputeMac(KmsKey key, MacRequest request)
    {
        var material = Material(key, key.CurrentVersion) ?? throw KmsErrors.KeyDoesNotExist(key.Arn);
        return request.MacAlgorithm switch
        {
            "HMAC_SHA_224" => HmacSha224.HashData(material, request.Message),
            "HMAC_SHA_256" => HMACSHA256.HashData(material, request.Message),
            "HMAC_SHA_384" => HMACSHA384.HashData(material, request.Message),
            _ => HMACSHA512.HashData(material, request.Message),
        };
    }
}
