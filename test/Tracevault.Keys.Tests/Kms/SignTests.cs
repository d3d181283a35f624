using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Tests.Audit;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>Sign, Verify, GenerateMac and VerifyMac, and the signing and HMAC keys they use.</summary>
public sealed class SignTests
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Caller Admin = User("admin", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");
    private static readonly byte[] Message = "tracevault release 1.0"u8.ToArray();

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly EphemeralAuditLog _audit = new();
    private readonly KeyService _keys;

    public SignTests()
    {
        _keys = new KeyService(new EphemeralKeyRepository(_audit), _audit, RootKeyRing.CreateNew(), _clock, new KmsOptions { Region = "us-east-1" });
    }

    private static Caller User(string name, params string[] policies) =>
        new(Account, Caller.UserArn(Account, name), name, "AKIA" + name.ToUpperInvariant().PadRight(16, 'X')[..16], policies.Select(PolicyDocument.Parse).ToArray());

    private KmsKey SigningKey(string spec) => _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = spec, KeyUsage = "SIGN_VERIFY" });

    private KmsKey MacKey(string spec) => _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = spec, KeyUsage = "GENERATE_VERIFY_MAC" });

    [Theory]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256")]
    [InlineData("RSA_3072", "RSASSA_PSS_SHA_384")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_512")]
    [InlineData("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256")]
    [InlineData("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384")]
    [InlineData("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512")]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_P384", "ECDSA_SHA_384")]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_512")]
    [InlineData("ECC_SECG_P256K1", "ECDSA_SHA_256")]
    public void Sign_EachSpecAndAlgorithm_VerifiesWithVerifyAndWithThePublicKey_AChangedMessageDoesNot(string spec, string algorithm)
    {
        var key = SigningKey(spec);
        Assert.Contains(algorithm, KeySpecs.SigningAlgorithms(key));

        var signed = _keys.Sign(Admin, new SignRequest(key.KeyId, Message, algorithm));
        Assert.Equal(key.Arn, signed.KeyArn);
        Assert.Equal(algorithm, signed.SigningAlgorithm);
        var verified = _keys.Verify(Admin, new VerifyRequest(key.Arn, Message, signed.Signature, algorithm));
        Assert.True(verified.SignatureValid);
        Assert.Equal(key.Arn, verified.KeyArn);

        var publicKey = _keys.GetPublicKey(Admin, key.KeyId).PublicKey;
        var hash = new HashAlgorithmName("SHA" + algorithm[^3..]);
        if (spec.StartsWith("RSA_", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(publicKey, out _);
            Assert.True(rsa.VerifyData(Message, signed.Signature, hash, algorithm.Contains("PSS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1));
        }
        else
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(publicKey, out _);
            Assert.True(ecdsa.VerifyData(Message, signed.Signature, hash, DSASignatureFormat.Rfc3279DerSequence));
            Assert.Equal(0x30, signed.Signature[0]);
        }

        var changed = Message.ToArray();
        changed[0] ^= 1;
        Assert.Equal("KMSInvalidSignatureException", Assert.Throws<KmsException>(() => _keys.Verify(Admin, new VerifyRequest(key.KeyId, changed, signed.Signature, algorithm))).Code);
        Assert.Equal("KMSInvalidSignatureException", Assert.Throws<KmsException>(() => _keys.Verify(Admin, new VerifyRequest(key.KeyId, Message, [1, 2, 3], algorithm))).Code);
    }

    [Fact]
    public void Sign_Digest_MustHaveTheAlgorithmsDigestLength_AndVerifiesAsTheRawMessage()
    {
        var rsa = SigningKey("RSA_2048");
        var ecc = SigningKey("ECC_NIST_P384");
        foreach (var (key, algorithm, length) in new[] { (rsa, "RSASSA_PSS_SHA_256", 32), (rsa, "RSASSA_PKCS1_V1_5_SHA_512", 64), (ecc, "ECDSA_SHA_384", 48) })
        {
            foreach (var wrong in new[] { length - 1, length + 1, 20 })
            {
                var error = Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(key.KeyId, new byte[wrong], algorithm) { MessageType = "DIGEST" }));
                Assert.Equal("ValidationException", error.Code);
                Assert.Equal($"Digest is invalid length for algorithm {algorithm}.", error.Message);
            }

            var digest = length switch { 32 => SHA256.HashData(Message), 48 => SHA384.HashData(Message), _ => SHA512.HashData(Message) };
            var signed = _keys.Sign(Admin, new SignRequest(key.KeyId, digest, algorithm) { MessageType = "DIGEST" });
            Assert.True(_keys.Verify(Admin, new VerifyRequest(key.KeyId, Message, signed.Signature, algorithm)).SignatureValid);
            Assert.True(_keys.Verify(Admin, new VerifyRequest(key.KeyId, digest, signed.Signature, algorithm) { MessageType = "DIGEST" }).SignatureValid);
            Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.Verify(Admin, new VerifyRequest(key.KeyId, new byte[length + 1], signed.Signature, algorithm) { MessageType = "DIGEST" })).Code);
        }
    }

    [Fact]
    public void Sign_RawMessage_OneTo4096Bytes()
    {
        var key = SigningKey("ECC_NIST_P256");
        Assert.NotEmpty(_keys.Sign(Admin, new SignRequest(key.KeyId, new byte[4096], "ECDSA_SHA_256")).Signature);
        var tooLong = Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(key.KeyId, new byte[4097], "ECDSA_SHA_256")));
        Assert.Equal("ValidationException", tooLong.Code);
        Assert.Contains("Member must have length less than or equal to 4096", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(key.KeyId, [], "ECDSA_SHA_256"))).Code);
        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(key.KeyId, Message, "ECDSA_SHA_256") { MessageType = "HASH" })).Code);
    }

    [Fact]
    public void Sign_AnAlgorithmOrUsageTheKeyDoesNotOffer_IsInvalidKeyUsage()
    {
        var ecc = SigningKey("ECC_NIST_P256");
        var rsa = SigningKey("RSA_2048");
        var error = Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(ecc.KeyId, Message, "ECDSA_SHA_384")));
        Assert.Equal("InvalidKeyUsageException", error.Code);
        Assert.Equal("Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.", error.Message);
        Assert.Equal("InvalidKeyUsageException", Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(rsa.KeyId, Message, "ECDSA_SHA_256"))).Code);
        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(rsa.KeyId, Message, "RSA_SHA_256"))).Code);

        var symmetric = _keys.CreateKey(Admin, new CreateKeyRequest());
        var encryptingRsa = _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "RSA_2048", KeyUsage = "ENCRYPT_DECRYPT" });
        var mac = MacKey("HMAC_256");
        foreach (var key in new[] { symmetric, encryptingRsa, mac })
        {
            Assert.Equal("InvalidKeyUsageException", Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(key.KeyId, Message, "RSASSA_PSS_SHA_256"))).Code);
            Assert.Equal("InvalidKeyUsageException", Assert.Throws<KmsException>(() => _keys.Verify(Admin, new VerifyRequest(key.KeyId, Message, [1], "RSASSA_PSS_SHA_256"))).Code);
        }
    }

    [Fact]
    public void SignAndMac_DisabledOrPendingDeletionKey_AreRefused()
    {
        var signing = SigningKey("ECC_SECG_P256K1");
        var mac = MacKey("HMAC_384");
        var signature = _keys.Sign(Admin, new SignRequest(signing.KeyId, Message, "ECDSA_SHA_256")).Signature;
        var tag = _keys.GenerateMac(Admin, new MacRequest(mac.KeyId, Message, "HMAC_SHA_384")).Mac;

        _keys.DisableKey(Admin, signing.KeyId);
        _keys.DisableKey(Admin, mac.KeyId);
        Assert.Equal("DisabledException", Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(signing.KeyId, Message, "ECDSA_SHA_256"))).Code);
        Assert.Equal("DisabledException", Assert.Throws<KmsException>(() => _keys.Verify(Admin, new VerifyRequest(signing.KeyId, Message, signature, "ECDSA_SHA_256"))).Code);
        Assert.Equal("DisabledException", Assert.Throws<KmsException>(() => _keys.GenerateMac(Admin, new MacRequest(mac.KeyId, Message, "HMAC_SHA_384"))).Code);
        Assert.Equal("DisabledException", Assert.Throws<KmsException>(() => _keys.VerifyMac(Admin, new MacRequest(mac.KeyId, Message, "HMAC_SHA_384"), tag)).Code);

        _keys.ScheduleKeyDeletion(Admin, signing.KeyId, 7);
        _keys.ScheduleKeyDeletion(Admin, mac.KeyId, 7);
        Assert.Equal("KMSInvalidStateException", Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(signing.KeyId, Message, "ECDSA_SHA_256"))).Code);
        Assert.Equal("KMSInvalidStateException", Assert.Throws<KmsException>(() => _keys.VerifyMac(Admin, new MacRequest(mac.KeyId, Message, "HMAC_SHA_384"), tag)).Code);

        _keys.CancelKeyDeletion(Admin, signing.KeyId);
        _keys.EnableKey(Admin, signing.KeyId);
        Assert.True(_keys.Verify(Admin, new VerifyRequest(signing.KeyId, Message, signature, "ECDSA_SHA_256")).SignatureValid);
    }

    [Fact]
    public void Grant_AllowingSign_LetsTheGranteeSignOnly_AndEachCallIsAudited()
    {
        var key = SigningKey("RSA_2048");
        var mac = MacKey("HMAC_256");
        var signer = User("signer");
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.Sign(signer, new SignRequest(key.KeyId, Message, "RSASSA_PSS_SHA_256"))).Code);

        _keys.CreateGrant(Admin, new CreateGrantRequest(key.KeyId, signer.Arn, ["Sign"]));
        _keys.CreateGrant(Admin, new CreateGrantRequest(mac.KeyId, signer.Arn, ["GenerateMac"]));
        var signature = _keys.Sign(signer, new SignRequest(key.Arn, Message, "RSASSA_PSS_SHA_256")).Signature;
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.Verify(signer, new VerifyRequest(key.Arn, Message, signature, "RSASSA_PSS_SHA_256"))).Code);
        var tag = _keys.GenerateMac(signer, new MacRequest(mac.Arn, Message, "HMAC_SHA_256")).Mac;
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.VerifyMac(signer, new MacRequest(mac.Arn, Message, "HMAC_SHA_256"), tag)).Code);
        _keys.CreateGrant(Admin, new CreateGrantRequest(key.KeyId, signer.Arn, ["Verify"]));
        Assert.True(_keys.Verify(signer, new VerifyRequest(key.Arn, Message, signature, "RSASSA_PSS_SHA_256")).SignatureValid);

        var records = _audit.Events.Where(e => e.EventName is "Sign" or "Verify" or "GenerateMac" or "VerifyMac").Select(e => JsonDocument.Parse(e.RecordJson).RootElement).ToList();
        Assert.Equal(["Sign", "Sign", "Verify", "GenerateMac", "VerifyMac", "Verify"], records.Select(r => r.GetProperty("eventName").GetString()!).ToArray());
        var sign = records[1];
        Assert.Equal(signer.Arn, sign.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Equal("RSASSA_PSS_SHA_256", sign.GetProperty("requestParameters").GetProperty("signingAlgorithm").GetString());
        Assert.Equal("RAW", sign.GetProperty("requestParameters").GetProperty("messageType").GetString());
        Assert.Equal(key.Arn, sign.GetProperty("resources")[0].GetProperty("ARN").GetString());
        Assert.Equal("AccessDeniedException", records[0].GetProperty("errorCode").GetString());
        Assert.Equal("HMAC_SHA_256", records[3].GetProperty("requestParameters").GetProperty("macAlgorithm").GetString());
        var everything = string.Join('\n', _audit.Events.Select(e => e.RecordJson));
        Assert.DoesNotContain(Convert.ToBase64String(signature), everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(tag), everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Message), everything, StringComparison.Ordinal);
    }

    [Fact]
    public void Grant_WithAnEncryptionContextConstraint_StillAllowsSignAndMacs_WhichHaveNoContext()
    {
        var key = SigningKey("ECC_NIST_P256");
        var mac = MacKey("HMAC_224");
        var user = User("constrained");
        var constraints = new GrantConstraints(new Dictionary<string, string> { ["purpose"] = "release" }, null);
        _keys.CreateGrant(Admin, new CreateGrantRequest(key.KeyId, user.Arn, ["Sign", "Verify"]) { Constraints = constraints });
        _keys.CreateGrant(Admin, new CreateGrantRequest(mac.KeyId, user.Arn, ["GenerateMac", "VerifyMac"]) { Constraints = constraints });

        var signature = _keys.Sign(user, new SignRequest(key.Arn, Message, "ECDSA_SHA_256")).Signature;
        Assert.True(_keys.Verify(user, new VerifyRequest(key.Arn, Message, signature, "ECDSA_SHA_256")).SignatureValid);
        var tag = _keys.GenerateMac(user, new MacRequest(mac.Arn, Message, "HMAC_SHA_224")).Mac;
        Assert.True(_keys.VerifyMac(user, new MacRequest(mac.Arn, Message, "HMAC_SHA_224"), tag).MacValid);
    }

    [Fact]
    public void DryRun_SignVerifyAndMacs_CheckEverythingAndAnswerDryRunOperation()
    {
        var key = SigningKey("RSA_2048");
        var mac = MacKey("HMAC_256");
        var signature = _keys.Sign(Admin, new SignRequest(key.KeyId, Message, "RSASSA_PKCS1_V1_5_SHA_256")).Signature;
        var tag = _keys.GenerateMac(Admin, new MacRequest(mac.KeyId, Message, "HMAC_SHA_256")).Mac;
        Assert.Equal("DryRunOperationException", Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(key.KeyId, Message, "RSASSA_PKCS1_V1_5_SHA_256") { DryRun = true })).Code);
        Assert.Equal("DryRunOperationException", Assert.Throws<KmsException>(() => _keys.Verify(Admin, new VerifyRequest(key.KeyId, Message, signature, "RSASSA_PKCS1_V1_5_SHA_256") { DryRun = true })).Code);
        Assert.Equal("DryRunOperationException", Assert.Throws<KmsException>(() => _keys.GenerateMac(Admin, new MacRequest(mac.KeyId, Message, "HMAC_SHA_256") { DryRun = true })).Code);
        Assert.Equal("DryRunOperationException", Assert.Throws<KmsException>(() => _keys.VerifyMac(Admin, new MacRequest(mac.KeyId, Message, "HMAC_SHA_256") { DryRun = true }, tag)).Code);
        Assert.Equal("InvalidKeyUsageException",
            Assert.Throws<KmsException>(() => _keys.Sign(Admin, new SignRequest(key.KeyId, Message, "ECDSA_SHA_256") { DryRun = true })).Code);
    }

    [Theory]
    [InlineData("HMAC_224", "HMAC_SHA_224")]
    [InlineData("HMAC_256", "HMAC_SHA_256")]
    [InlineData("HMAC_384", "HMAC_SHA_384")]
    [InlineData("HMAC_512", "HMAC_SHA_512")]
    public void HmacKey_GenerateMacVerifies_AChangedMessageOrMacIsInvalidMac(string spec, string algorithm)
    {
        var key = MacKey(spec);
        Assert.Equal("GENERATE_VERIFY_MAC", key.KeyUsage);
        Assert.Equal([algorithm], KeySpecs.MacAlgorithms(key));
        Assert.Empty(KeySpecs.SigningAlgorithms(key));
        Assert.Empty(KeySpecs.EncryptionAlgorithms(key));

        var result = _keys.GenerateMac(Admin, new MacRequest(key.KeyId, Message, algorithm));
        Assert.Equal(int.Parse(algorithm[^3..], System.Globalization.CultureInfo.InvariantCulture) / 8, result.Mac.Length);
        Assert.Equal(result.Mac, _keys.GenerateMac(Admin, new MacRequest(key.Arn, Message, algorithm)).Mac);
        Assert.True(_keys.VerifyMac(Admin, new MacRequest(key.Arn, Message, algorithm), result.Mac).MacValid);

        var changed = Message.ToArray();
        changed[^1] ^= 1;
        Assert.Equal("KMSInvalidMacException", Assert.Throws<KmsException>(() => _keys.VerifyMac(Admin, new MacRequest(key.KeyId, changed, algorithm), result.Mac)).Code);
        Assert.Equal("KMSInvalidMacException", Assert.Throws<KmsException>(() => _keys.VerifyMac(Admin, new MacRequest(key.KeyId, Message, algorithm), result.Mac[..^1])).Code);
        var other = algorithm == "HMAC_SHA_256" ? "HMAC_SHA_512" : "HMAC_SHA_256";
        var error = Assert.Throws<KmsException>(() => _keys.GenerateMac(Admin, new MacRequest(key.KeyId, Message, other)));
        Assert.Equal("InvalidKeyUsageException", error.Code);
        Assert.Equal($"Algorithm {other} is incompatible with key spec {spec}.", error.Message);
        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.GenerateMac(Admin, new MacRequest(key.KeyId, new byte[4097], algorithm))).Code);
    }

    [Fact]
    public void HmacKey_ServesNothingButMacs()
    {
        var key = MacKey("HMAC_512");
        Assert.Equal("InvalidKeyUsageException", Assert.Throws<KmsException>(() => _keys.Encrypt(Admin, new EncryptRequest(key.KeyId, Message, EncryptionContext.Empty))).Code);
        Assert.Equal("InvalidKeyUsageException", Assert.Throws<KmsException>(() => _keys.GenerateDataKey(Admin, new GenerateDataKeyRequest(key.KeyId, EncryptionContext.Empty) { KeySpec = "AES_256" })).Code);
        Assert.Equal("UnsupportedOperationException", Assert.Throws<KmsException>(() => _keys.GetPublicKey(Admin, key.KeyId)).Code);
        Assert.Equal("UnsupportedOperationException", Assert.Throws<KmsException>(() => _keys.EnableKeyRotation(Admin, key.KeyId, null)).Code);
        Assert.Equal("UnsupportedOperationException", Assert.Throws<KmsException>(() => _keys.RotateKeyOnDemand(Admin, key.KeyId)).Code);
        Assert.False(_keys.CheckUsable(Admin, key.Arn, EncryptionContext.Empty).Usable);

        var symmetric = _keys.CreateKey(Admin, new CreateKeyRequest());
        Assert.Equal("InvalidKeyUsageException", Assert.Throws<KmsException>(() => _keys.GenerateMac(Admin, new MacRequest(symmetric.KeyId, Message, "HMAC_SHA_256"))).Code);
        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "HMAC_256" })).Code);
        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "HMAC_256", KeyUsage = "SIGN_VERIFY" })).Code);
        Assert.Equal("ValidationException", Assert.Throws<KmsException>(() => _keys.CreateKey(Admin, new CreateKeyRequest { KeySpec = "ECC_NIST_P384", KeyUsage = "GENERATE_VERIFY_MAC" })).Code);
    }

    [Theory]
    [InlineData("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22")]
    [InlineData("4a656665", "what do ya want for nothing?", "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44")]
    public void HmacSha224_MatchesRfc4231(string keyHex, string data, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(HmacSha224.HashData(Convert.FromHexString(keyHex), System.Text.Encoding.ASCII.GetBytes(data))));

    [Fact]
    public void HmacSha224_KeyLongerThanABlock_AndSha224AcrossBlockBoundaries_MatchReferenceValues()
    {
        Assert.Equal("95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
            Convert.ToHexStringLower(HmacSha224.HashData(Enumerable.Repeat((byte)0xaa, 131).ToArray(), "Test Using Larger Than Block-Size Key - Hash Key First"u8)));
        Assert.Equal("d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", Convert.ToHexStringLower(HmacSha224.Hash([])));
        Assert.Equal("fb0bd626a70c28541dfa781bb5cc4d7d7f56622a58f01a0b1ddd646f", Convert.ToHexStringLower(HmacSha224.Hash(Enumerable.Repeat((byte)'a', 55).ToArray())));
        Assert.Equal("d40854fc9caf172067136f2e29e1380b14626bf6f0dd06779f820dcd", Convert.ToHexStringLower(HmacSha224.Hash(Enumerable.Repeat((byte)'a', 56).ToArray())));
        Assert.Equal("a88cd5cde6d6fe9136a4e58b49167461ea95d388ca2bdb7afdc3cbf4", Convert.ToHexStringLower(HmacSha224.Hash(Enumerable.Repeat((byte)'a', 64).ToArray())));
        var large = Enumerable.Range(0, 4096).Select(i => (byte)i).ToArray();
        Assert.Equal("fe88a095164d786108d773a8f326f4b2622133c7c7b66aeabde3643d", Convert.ToHexStringLower(HmacSha224.Hash(large)));
    }
}
