using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Tests.Audit;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>Data key pairs (GenerateDataKeyPair, GenerateDataKeyPairWithoutPlaintext), KEY_AGREEMENT keys and DeriveSharedSecret.</summary>
public sealed class PairsTests
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Context = new() { ["purpose"] = "pairs" };
    private static readonly Caller Admin = User("admin", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");

    private readonly EphemeralAuditLog _audit = new();
    private readonly KeyService _keys;

    public PairsTests() =>
        _keys = new KeyService(new EphemeralKeyRepository(_audit), _audit, RootKeyRing.CreateNew(), new FakeTimeProvider(Start), new KmsOptions { Region = "us-east-1" });

    private static Caller User(string name, params string[] policies) =>
        new(Account, Caller.UserArn(Account, name), name, "AKIA" + name.ToUpperInvariant().PadRight(16, 'X')[..16], policies.Select(PolicyDocument.Parse).ToArray());

    [Theory]
    [InlineData("RSA_2048")]
    [InlineData("RSA_4096")]
    [InlineData("ECC_NIST_P256")]
    [InlineData("ECC_NIST_P384")]
    [InlineData("ECC_NIST_P521")]
    [InlineData("ECC_SECG_P256K1")]
    public void GenerateDataKeyPair_EachSpec_PrivateKeyDecryptsWithTheContextAndSignsForThePublicKey(string spec)
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());

        var pair = _keys.GenerateDataKeyPair(Admin, new GenerateDataKeyPairRequest(key.KeyId, spec, Context));

        Assert.Equal(key.Arn, pair.KeyArn);
        Assert.Equal(spec, pair.KeyPairSpec);
        Assert.Equal(KeyService.KeyMaterialId(key.Arn, 1), pair.KeyMaterialId);
        var decrypted = _keys.Decrypt(Admin, new DecryptRequest(pair.PrivateKeyCiphertextBlob, Context)).Plaintext;
        Assert.Equal(pair.PrivateKeyPlaintext, decrypted);
        Assert.Equal("InvalidCiphertextException", Assert.Throws<KmsException>(() => _keys.Decrypt(Admin, new DecryptRequest(pair.PrivateKeyCiphertextBlob, EncryptionContext.Empty))).Code);
        AssertPairMatches(spec, decrypted, pair.PublicKey);
    }

    [Fact]
    public void GenerateDataKeyPairWithoutPlaintext_ReturnsOnlyTheEncryptedPrivateKey_AndTwoCallsGiveTwoPairs()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());

        var pair = _keys.GenerateDataKeyPairWithoutPlaintext(Admin, new GenerateDataKeyPairRequest(key.Arn, "ECC_NIST_P256", Context));
        var other = _keys.GenerateDataKeyPairWithoutPlaintext(Admin, new GenerateDataKeyPairRequest(key.Arn, "ECC_NIST_P256", Context));

        Assert.Null(pair.PrivateKeyPlaintext);
        Assert.NotEqual(pair.PublicKey, other.PublicKey);
        AssertPairMatches("ECC_NIST_P256", _keys.Decrypt(Admin, new DecryptRequest(pair.PrivateKeyCiphertextBlob, Context)).Plaintext, pair.PublicKey);
    }

    [Fact]
    public void GenerateDataKeyPair_RecordsTheCallWithoutTheKeys()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var pair = _keys.GenerateDataKeyPair(Admin, new GenerateDataKeyPairRequest(key.Arn, "RSA_2048", Context));
        _keys.GenerateDataKeyPairWithoutPlaintext(Admin, new GenerateDataKeyPairRequest(key.Arn, "ECC_NIST_P384", Context));

        var record = JsonDocument.Parse(_audit.Events.Single(e => e.EventName == "GenerateDataKeyPair").RecordJson).RootElement;
        Assert.Equal("RSA_2048", record.GetProperty("requestParameters").GetProperty("keyPairSpec").GetString());
        Assert.Equal("pairs", record.GetProperty("requestParameters").GetProperty("encryptionContext").GetProperty("purpose").GetString());
        Assert.Equal(key.Arn, record.GetProperty("resources")[0].GetProperty("ARN").GetString());
        Assert.True(record.GetProperty("readOnly").GetBoolean());
        var without = JsonDocument.Parse(_audit.Events.Single(e => e.EventName == "GenerateDataKeyPairWithoutPlaintext").RecordJson).RootElement;
        Assert.Equal("ECC_NIST_P384", without.GetProperty("requestParameters").GetProperty("keyPairSpec").GetString());
        var records = string.Join('\n', _audit.Events.Select(e => e.RecordJson));
        Assert.DoesNotContain(Convert.ToBase64String(pair.PrivateKeyPlaintext!), records, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(pair.PrivateKeyCiphertextBlob), records, StringComparison.Ordinal);
    }

    [Fact]
    public void GenerateDataKeyPair_KeyNotForSymmetricEncryption_IsInvalidKeyUsage()
    {
        var signing = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" });
        var rsa = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "RSA_2048", KeyUsage = "ENCRYPT_DECRYPT" });
        var agreement = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "KEY_AGREEMENT" });

        foreach (var key in new[] { signing, rsa, agreement })
        {
            var error = Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(Admin, new GenerateDataKeyPairRequest(key.Arn, "RSA_2048", Context)));
            Assert.Equal("InvalidKeyUsageException", error.Code);
            Assert.Contains("GenerateDataKeyPair", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal("InvalidKeyUsageException",
            Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPairWithoutPlaintext(Admin, new GenerateDataKeyPairRequest(rsa.Arn, "ECC_NIST_P256", Context))).Code);
    }

    [Fact]
    public void GenerateDataKeyPair_SpecsItCannotMake_AreRefusedAsTheModelSays()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());

        Assert.Equal("UnsupportedOperationException", Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(Admin, new GenerateDataKeyPairRequest(key.Arn, "SM2", Context))).Code);
        Assert.Equal("UnsupportedOperationException",
            Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(Admin, new GenerateDataKeyPairRequest(key.Arn, "ECC_NIST_EDWARDS25519", Context))).Code);
        var unknown = Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(Admin, new GenerateDataKeyPairRequest(key.Arn, "RSA_1024", Context)));
        Assert.Equal("ValidationException", unknown.Code);
        Assert.Contains("keyPairSpec", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GenerateDataKeyPair_DisabledPendingDeletionOrDryRun_IsRefused()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        Assert.Equal("DryRunOperationException",
            Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(Admin, new GenerateDataKeyPairRequest(key.Arn, "ECC_NIST_P256", Context) { DryRun = true })).Code);

        _keys.DisableKey(Admin, key.Arn);
        Assert.Equal("DisabledException", Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(Admin, new GenerateDataKeyPairRequest(key.Arn, "ECC_NIST_P256", Context))).Code);
        _keys.ScheduleKeyDeletion(Admin, key.Arn, 7);
        Assert.Equal("KMSInvalidStateException",
            Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPairWithoutPlaintext(Admin, new GenerateDataKeyPairRequest(key.Arn, "ECC_NIST_P256", Context))).Code);
    }

    [Fact]
    public void PairsAndSharedSecrets_AllowedByAGrantForTheOperationOnly()
    {
        var grantee = User("grantee");
        var symmetric = _keys.CreateKey(Admin, new CreateKeyRequest());
        var agreement = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "KEY_AGREEMENT" });
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var derive = new DeriveSharedSecretRequest(agreement.Arn, "ECDH", peer.ExportSubjectPublicKeyInfo());
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(grantee, new GenerateDataKeyPairRequest(symmetric.Arn, "ECC_NIST_P256", Context))).Code);
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.DeriveSharedSecret(grantee, derive)).Code);

        _keys.CreateGrant(Admin, new CreateGrantRequest(symmetric.Arn, grantee.Arn, ["GenerateDataKeyPairWithoutPlaintext"]));
        _keys.CreateGrant(Admin, new CreateGrantRequest(agreement.Arn, grantee.Arn, ["DeriveSharedSecret"]));

        Assert.NotEmpty(_keys.GenerateDataKeyPairWithoutPlaintext(grantee, new GenerateDataKeyPairRequest(symmetric.Arn, "ECC_NIST_P256", Context)).PublicKey);
        var denied = Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(grantee, new GenerateDataKeyPairRequest(symmetric.Arn, "ECC_NIST_P256", Context)));
        Assert.Equal("AccessDeniedException", denied.Code);
        Assert.Contains("kms:GenerateDataKeyPair ", denied.Message, StringComparison.Ordinal);
        Assert.NotEmpty(_keys.DeriveSharedSecret(grantee, derive).SharedSecret);
    }

    [Fact]
    public void GrantConstraints_BindGenerateDataKeyPairToItsContext_AndDoNotApplyToDeriveSharedSecret()
    {
        var grantee = User("constrained");
        var constraints = new GrantConstraints(null, new Dictionary<string, string> { ["purpose"] = "pairs" });
        var symmetric = _keys.CreateKey(Admin, new CreateKeyRequest());
        var agreement = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "KEY_AGREEMENT" });
        _keys.CreateGrant(Admin, new CreateGrantRequest(symmetric.Arn, grantee.Arn, ["GenerateDataKeyPair"]) { Constraints = constraints });
        _keys.CreateGrant(Admin, new CreateGrantRequest(agreement.Arn, grantee.Arn, ["DeriveSharedSecret"]) { Constraints = constraints });
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        Assert.NotNull(_keys.GenerateDataKeyPair(grantee, new GenerateDataKeyPairRequest(symmetric.Arn, "ECC_NIST_P256", Context)).PrivateKeyPlaintext);
        Assert.Equal("AccessDeniedException",
            Assert.Throws<KmsException>(() => _keys.GenerateDataKeyPair(grantee, new GenerateDataKeyPairRequest(symmetric.Arn, "ECC_NIST_P256", EncryptionContext.Empty))).Code);

        // As AWS KMS documents: grant constraints are not applied to operations without an encryption context, such as those of asymmetric keys.
        Assert.NotEmpty(_keys.DeriveSharedSecret(grantee, new DeriveSharedSecretRequest(agreement.Arn, "ECDH", peer.ExportSubjectPublicKeyInfo())).SharedSecret);
    }

    [Theory]
    [InlineData("ECC_NIST_P256")]
    [InlineData("ECC_NIST_P384")]
    [InlineData("ECC_NIST_P521")]
    public void DeriveSharedSecret_KeyAgreementKey_GivesThePeersEcdhSecret(string spec)
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = spec, KeyUsage = "KEY_AGREEMENT" });
        Assert.Equal(["ECDH"], KeySpecs.KeyAgreementAlgorithms(key));
        Assert.Empty(KeySpecs.SigningAlgorithms(key));
        Assert.Empty(KeySpecs.EncryptionAlgorithms(key));
        var kmsPublicKey = _keys.GetPublicKey(Admin, key.Arn).PublicKey;
        using var peer = ECDiffieHellman.Create(CurveOf(spec));

        var result = _keys.DeriveSharedSecret(Admin, new DeriveSharedSecretRequest(key.Arn, "ECDH", peer.ExportSubjectPublicKeyInfo()));

        using var kmsSide = ECDiffieHellman.Create();
        kmsSide.ImportSubjectPublicKeyInfo(kmsPublicKey, out _);
        Assert.Equal(peer.DeriveRawSecretAgreement(kmsSide.PublicKey), result.SharedSecret);
        Assert.Equal(spec switch { "ECC_NIST_P256" => 32, "ECC_NIST_P384" => 48, _ => 66 }, result.SharedSecret.Length);
        Assert.Equal(key.Arn, result.KeyArn);
        Assert.Equal("ECDH", result.KeyAgreementAlgorithm);
        Assert.Equal("AWS_KMS", result.KeyOrigin);
        var record = JsonDocument.Parse(_audit.Events.Single(e => e.EventName == "DeriveSharedSecret").RecordJson).RootElement;
        Assert.Equal("ECDH", record.GetProperty("requestParameters").GetProperty("keyAgreementAlgorithm").GetString());
        Assert.DoesNotContain(Convert.ToBase64String(result.SharedSecret), record.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void DeriveSharedSecret_PeerKeyNotOnTheCurveOrNotEcc_IsAValidationError()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "ECC_NIST_P384", KeyUsage = "KEY_AGREEMENT" });
        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);

        foreach (var peerKey in new[] { p256.ExportSubjectPublicKeyInfo(), rsa.ExportSubjectPublicKeyInfo(), "not a key"u8.ToArray(), [.. p384.ExportSubjectPublicKeyInfo(), 0] })
        {
            Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.DeriveSharedSecret(Admin, new DeriveSharedSecretRequest(key.Arn, "ECDH", peerKey))).Code);
        }

        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.DeriveSharedSecret(Admin, new DeriveSharedSecretRequest(key.Arn, "ECDHE", p384.ExportSubjectPublicKeyInfo()))).Code);
        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.DeriveSharedSecret(Admin, new DeriveSharedSecretRequest(key.Arn, "ECDH", []))).Code);
        Assert.Equal("DryRunOperationException",
            Assert.Throws<KmsException>(() => _keys.DeriveSharedSecret(Admin, new DeriveSharedSecretRequest(key.Arn, "ECDH", p384.ExportSubjectPublicKeyInfo()) { DryRun = true })).Code);
    }

    [Fact]
    public void DeriveSharedSecret_KeyNotForKeyAgreementOrNotEnabled_IsRefused()
    {
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var peerKey = peer.ExportSubjectPublicKeyInfo();
        var signing = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "SIGN_VERIFY" });
        var symmetric = _keys.CreateKey(Admin, new CreateKeyRequest());
        foreach (var key in new[] { signing, symmetric })
        {
            Assert.Equal("InvalidKeyUsageException", Assert.Throws<KmsException>(() => _keys.DeriveSharedSecret(Admin, new DeriveSharedSecretRequest(key.Arn, "ECDH", peerKey))).Code);
        }

        var agreement = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "ECC_NIST_P256", KeyUsage = "KEY_AGREEMENT" });
        _keys.DisableKey(Admin, agreement.Arn);
        Assert.Equal("DisabledException", Assert.Throws<KmsException>(() => _keys.DeriveSharedSecret(Admin, new DeriveSharedSecretRequest(agreement.Arn, "ECDH", peerKey))).Code);
        _keys.ScheduleKeyDeletion(Admin, agreement.Arn, 7);
        Assert.Equal("KMSInvalidStateException", Assert.Throws<KmsException>(() => _keys.DeriveSharedSecret(Admin, new DeriveSharedSecretRequest(agreement.Arn, "ECDH", peerKey))).Code);
        var record = JsonDocument.Parse(_audit.Events.Last(e => e.EventName == "DeriveSharedSecret").RecordJson).RootElement;
        Assert.Equal("KMSInvalidStateException", record.GetProperty("errorCode").GetString());
    }

    [Theory]
    [InlineData("ECC_SECG_P256K1")]
    [InlineData("RSA_2048")]
    [InlineData("SYMMETRIC_DEFAULT")]
    public void CreateKey_KeyAgreementOnASpecWithoutIt_IsAValidationError(string spec)
    {
        var error = Assert.Throws<KmsException>(() => _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = spec, KeyUsage = "KEY_AGREEMENT" }));

        // ECC_SECG_P256K1 keys sign only (a ValidationException once the spec is supported for signing, an UnsupportedOperationException before).
        Assert.Contains(error.Code, spec == "ECC_SECG_P256K1" ? ["ValidationException", "UnsupportedOperationException"] : new[] { "ValidationException" });
    }

    private static ECCurve CurveOf(string spec) => spec switch
    {
        "ECC_NIST_P256" => ECCurve.NamedCurves.nistP256,
        "ECC_NIST_P384" => ECCurve.NamedCurves.nistP384,
        "ECC_NIST_P521" => ECCurve.NamedCurves.nistP521,
        _ => ECCurve.CreateFromValue("1.3.132.0.10"),
    };

    /// <summary>Signs with the PKCS#8 private key and verifies with the SubjectPublicKeyInfo: the two are one pair.</summary>
    private static void AssertPairMatches(string spec, byte[] privateKey, byte[] publicKey)
    {
        var message = "data key pair"u8.ToArray();
        if (spec.StartsWith("RSA_", StringComparison.Ordinal))
        {
            using var signer = RSA.Create();
            signer.ImportPkcs8PrivateKey(privateKey, out var read);
            Assert.Equal(privateKey.Length, read);
            Assert.Equal(int.Parse(spec[4..], System.Globalization.CultureInfo.InvariantCulture), signer.KeySize);
            using var verifier = RSA.Create();
            verifier.ImportSubjectPublicKeyInfo(publicKey, out _);
            Assert.True(verifier.VerifyData(message, signer.SignData(message, HashAlgorithmName.SHA256, RSASignaturePadding.Pss), HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        }
        else
        {
            using var signer = ECDsa.Create();
            signer.ImportPkcs8PrivateKey(privateKey, out var read);
            Assert.Equal(privateKey.Length, read);
            Assert.Equal(CurveOf(spec).Oid.Value, signer.ExportParameters(false).Curve.Oid.Value);
            using var verifier = ECDsa.Create();
            verifier.ImportSubjectPublicKeyInfo(publicKey, out _);
            Assert.True(verifier.VerifyData(message, signer.SignData(message, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
        }
    }
}
