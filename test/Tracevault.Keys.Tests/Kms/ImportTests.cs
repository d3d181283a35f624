using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Tests.Audit;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>Imported key material: keys of origin EXTERNAL, the import parameters, importing, deleting and expiring material, with a fake clock.</summary>
public sealed class ImportTests
{
    private const string Account = "111122223333";
    private const string XRay = "xray.amazonaws.com";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Context = new() { ["purpose"] = "import-test" };
    private static readonly Caller Admin = User("admin", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly EphemeralAuditLog _audit = new();
    private readonly EphemeralKeyRepository _repository;
    private readonly RootKeyRing _rootKeys = RootKeyRing.CreateNew();
    private readonly KeyService _keys;

    public ImportTests()
    {
        _repository = new EphemeralKeyRepository(_audit);
        _keys = new KeyService(_repository, _audit, _rootKeys, _clock, new KmsOptions { Region = "us-east-1" });
    }

    public static TheoryData<string, string> Wrappings => new()
    {
        { "RSAES_OAEP_SHA_256", "RSA_2048" },
        { "RSAES_OAEP_SHA_1", "RSA_3072" },
        { "RSA_AES_KEY_WRAP_SHA_256", "RSA_2048" },
        { "RSA_AES_KEY_WRAP_SHA_1", "RSA_4096" },
    };

    private static Caller User(string name, params string[] policies) =>
        new(Account, Caller.UserArn(Account, name), name, "AKIA" + name.ToUpperInvariant().PadRight(16, 'X')[..16], policies.Select(PolicyDocument.Parse).ToArray());

    private KmsKey CreateExternalKey() => _keys.CreateKey(Admin, new CreateKeyRequest { Origin = "EXTERNAL" });

    /// <summary>Wraps material as a client would with the public key GetParametersForImport gave.</summary>
    private static byte[] Wrap(ImportParameters parameters, string algorithm, byte[] material)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(parameters.PublicKey, out _);
        var padding = algorithm.EndsWith("SHA_1", StringComparison.Ordinal) ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;
        if (algorithm.StartsWith("RSAES_OAEP", StringComparison.Ordinal))
        {
            return rsa.Encrypt(material, padding);
        }

        var aesKey = RandomNumberGenerator.GetBytes(32);
        using var aes = Aes.Create();
        aes.Key = aesKey;
        return [.. rsa.Encrypt(aesKey, padding), .. aes.EncryptKeyWrapPadded(material)];
    }

    private KmsKey Import(KmsKey key, byte[] material, string algorithm = "RSAES_OAEP_SHA_256", string spec = "RSA_2048", DateTimeOffset? validTo = null)
    {
        var parameters = _keys.GetParametersForImport(Admin, key.KeyId, algorithm, spec);
        return _keys.ImportKeyMaterial(Admin, new ImportKeyMaterialRequest(key.KeyId, parameters.ImportToken, Wrap(parameters, algorithm, material))
        {
            ExpirationModel = validTo is null ? "KEY_MATERIAL_DOES_NOT_EXPIRE" : "KEY_MATERIAL_EXPIRES",
            ValidTo = validTo,
        });
    }

    private static string Code(Action action) => Assert.Throws<KmsException>(action).Code;

    [Fact]
    public void CreateKey_OriginExternal_IsPendingImportWithoutMaterial_AndRefusedForEverythingThatNeedsIt()
    {
        var key = CreateExternalKey();

        Assert.Equal(KeyState.PendingImport, key.State);
        Assert.Equal("EXTERNAL", _keys.DescribeKey(Admin, key.KeyId).Origin);
        Assert.Empty(_repository.ListVersions(key.KeyId));
        Assert.Equal("KMSInvalidStateException", Code(() => _keys.Encrypt(Admin, new EncryptRequest(key.Arn, [1], Context))));
        Assert.Equal("KMSInvalidStateException", Code(() => _keys.GenerateDataKey(Admin, new GenerateDataKeyRequest(key.Arn, Context) { KeySpec = "AES_256" })));
        Assert.Equal("KMSInvalidStateException", Code(() => _keys.EnableKey(Admin, key.KeyId)));
        Assert.Equal("KMSInvalidStateException", Code(() => _keys.DisableKey(Admin, key.KeyId)));
        Assert.Equal("UnsupportedOperationException", Code(() => _keys.RotateKeyOnDemand(Admin, key.KeyId)));
        Assert.Equal("UnsupportedOperationException", Code(() => _keys.EnableKeyRotation(Admin, key.KeyId, null)));

        // A key pending import chosen for trace data counts as unusable, with the error a use would get.
        Assert.Equal("KMSInvalidStateException", _keys.CheckUsable(Admin, key.Arn, Context).ErrorCode);
        Import(key, RandomNumberGenerator.GetBytes(32));
        _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, XRay, ["GenerateDataKey", "Decrypt", "DescribeKey"]));
        Assert.True(_keys.CheckUsable(Caller.ForService(Account, XRay), key.Arn, Context).Usable);
        _keys.DeleteImportedKeyMaterial(Admin, key.KeyId, null);
        var usability = _keys.CheckUsable(Caller.ForService(Account, XRay), key.Arn, Context);
        Assert.False(usability.Usable);
        Assert.Equal("KMSInvalidStateException", usability.ErrorCode);

        Assert.Equal("UnsupportedOperationException", Code(() => _keys.CreateKey(Admin, new CreateKeyRequest { Origin = "EXTERNAL", KeySpec = "RSA_2048", KeyUsage = "SIGN_VERIFY" })));
        Assert.Equal("UnsupportedOperationException", Code(() => _keys.CreateKey(Admin, new CreateKeyRequest { Origin = "AWS_CLOUDHSM" })));
        Assert.Equal("ValidationException", Code(() => _keys.CreateKey(Admin, new CreateKeyRequest { Origin = "ELSEWHERE" })));
    }

    [Theory]
    [MemberData(nameof(Wrappings))]
    public void ImportKeyMaterial_EachWrappingAlgorithm_EnablesTheKey_AndItEncryptsAndDecrypts(string algorithm, string spec)
    {
        var key = CreateExternalKey();
        var material = RandomNumberGenerator.GetBytes(32);

        var imported = Import(key, material, algorithm, spec);

        Assert.Equal(KeyState.Enabled, imported.State);
        Assert.Equal("KEY_MATERIAL_DOES_NOT_EXPIRE", imported.ExpirationModel);
        var blob = _keys.Encrypt(Admin, new EncryptRequest(key.Arn, "secret"u8.ToArray(), Context)).CiphertextBlob;
        Assert.Equal("secret"u8.ToArray(), _keys.Decrypt(Admin, new DecryptRequest(blob, Context)).Plaintext);

        // The ciphertext is made with the imported material itself: it opens with it outside the key service.
        Assert.Equal("secret"u8.ToArray(), KmsCiphertext.Open(material, blob, Context));
    }

    [Fact]
    public void DeleteImportedKeyMaterial_ShredsWhatItProtected_UntilTheSameMaterialIsImportedAgain()
    {
        var key = CreateExternalKey();
        var material = RandomNumberGenerator.GetBytes(32);
        Import(key, material);
        var blob = _keys.Encrypt(Admin, new EncryptRequest(key.Arn, "before"u8.ToArray(), Context)).CiphertextBlob;
        var destroyed = new List<string>();
        _keys.KeyDestroyed += (_, change) => destroyed.Add(change.KeyArn);

        var deleted = _keys.DeleteImportedKeyMaterial(Admin, key.KeyId, null);

        Assert.Equal(KeyState.PendingImport, deleted.State);
        Assert.Null(deleted.ExpirationModel);
        Assert.Empty(_repository.ListVersions(key.KeyId));
        Assert.Equal([key.Arn], destroyed);
        Assert.True(_keys.ErasePending);
        Assert.Equal("KMSInvalidStateException", Code(() => _keys.Decrypt(Admin, new DecryptRequest(blob, Context))));
        Assert.Null(_keys.DeriveTraceIndexKey(Account, key.Arn));
        _keys.DestroyDueKeys();
        Assert.False(_keys.ErasePending);

        Assert.Equal("IncorrectKeyMaterialException", Code(() => Import(key, RandomNumberGenerator.GetBytes(32))));
        Assert.Equal(KeyState.PendingImport, _keys.DescribeKey(Admin, key.KeyId).State);

        Import(key, material);
        Assert.Equal("before"u8.ToArray(), _keys.Decrypt(Admin, new DecryptRequest(blob, Context)).Plaintext);
    }

    [Fact]
    public void ImportKeyMaterial_AgainWhileEnabled_SameMaterialChangesOnlyTheExpiry_DifferentMaterialIsRefused()
    {
        var key = CreateExternalKey();
        var material = RandomNumberGenerator.GetBytes(32);
        Import(key, material);

        Assert.Equal("IncorrectKeyMaterialException", Code(() => Import(key, RandomNumberGenerator.GetBytes(32))));
        var again = Import(key, material, validTo: Start.AddDays(30));

        Assert.Equal(KeyState.Enabled, again.State);
        Assert.Equal("KEY_MATERIAL_EXPIRES", again.ExpirationModel);
        Assert.Equal(Start.AddDays(30), again.ValidTo);
        Assert.Single(_repository.ListVersions(key.KeyId));
    }

    [Fact]
    public void MaterialExpiry_WhenValidToPasses_TheSweepDeletesTheMaterial_AsAnAwsServiceEvent()
    {
        var key = CreateExternalKey();
        var material = RandomNumberGenerator.GetBytes(32);
        Import(key, material, validTo: Start.AddHours(1));
        var blob = _keys.Encrypt(Admin, new EncryptRequest(key.Arn, "x"u8.ToArray(), Context)).CiphertextBlob;
        Assert.Equal(0, _keys.ExpireDueMaterial());

        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, _keys.ExpireDueMaterial());

        Assert.Equal(KeyState.PendingImport, _keys.DescribeKey(Admin, key.KeyId).State);
        Assert.Empty(_repository.ListVersions(key.KeyId));
        Assert.Equal("KMSInvalidStateException", Code(() => _keys.Decrypt(Admin, new DecryptRequest(blob, Context))));
        var record = JsonDocument.Parse(_audit.Events.Last(e => e.EventName == "DeleteExpiredKeyMaterial").RecordJson).RootElement;
        Assert.Equal("AwsServiceEvent", record.GetProperty("eventType").GetString());
        Assert.Equal(0, _keys.ExpireDueMaterial());

        Import(key, material);
        Assert.Equal("x"u8.ToArray(), _keys.Decrypt(Admin, new DecryptRequest(blob, Context)).Plaintext);
    }

    [Fact]
    public void ImportToken_ExpiredForeignOrAltered_IsRefused_AndBadMaterialToo()
    {
        var key = CreateExternalKey();
        var other = CreateExternalKey();
        var material = RandomNumberGenerator.GetBytes(32);
        var parameters = _keys.GetParametersForImport(Admin, key.KeyId, "RSAES_OAEP_SHA_256", "RSA_2048");
        Assert.Equal(Start.AddHours(24), parameters.ParametersValidTo);
        var wrapped = Wrap(parameters, "RSAES_OAEP_SHA_256", material);
        ImportKeyMaterialRequest Request(string keyId, byte[] token, byte[] encrypted) => new(keyId, token, encrypted) { ExpirationModel = "KEY_MATERIAL_DOES_NOT_EXPIRE" };

        Assert.Equal("InvalidImportTokenException", Code(() => _keys.ImportKeyMaterial(Admin, Request(other.KeyId, parameters.ImportToken, wrapped))));
        var altered = parameters.ImportToken.ToArray();
        altered[1] = 4;
        Assert.Equal("InvalidImportTokenException", Code(() => _keys.ImportKeyMaterial(Admin, Request(key.KeyId, altered, wrapped))));
        Assert.Equal("InvalidImportTokenException", Code(() => _keys.ImportKeyMaterial(Admin, Request(key.KeyId, [1, 2, 3], wrapped))));
        Assert.Equal("InvalidCiphertextException", Code(() => _keys.ImportKeyMaterial(Admin, Request(key.KeyId, parameters.ImportToken, RandomNumberGenerator.GetBytes(256)))));
        Assert.Equal("IncorrectKeyMaterialException",
            Code(() => _keys.ImportKeyMaterial(Admin, Request(key.KeyId, parameters.ImportToken, Wrap(parameters, "RSAES_OAEP_SHA_256", RandomNumberGenerator.GetBytes(16))))));
        Assert.Equal("ValidationException", Code(() => _keys.ImportKeyMaterial(Admin, new ImportKeyMaterialRequest(key.KeyId, parameters.ImportToken, wrapped))));
        Assert.Equal("ValidationException", Code(() => _keys.ImportKeyMaterial(Admin, new ImportKeyMaterialRequest(key.KeyId, parameters.ImportToken, wrapped) { ValidTo = Start.AddDays(366) })));
        Assert.Equal(KeyState.PendingImport, _keys.DescribeKey(Admin, key.KeyId).State);

        _clock.Advance(TimeSpan.FromHours(24));
        Assert.Equal("ExpiredImportTokenException", Code(() => _keys.ImportKeyMaterial(Admin, Request(key.KeyId, parameters.ImportToken, wrapped))));

        Assert.Equal("UnsupportedOperationException", Code(() => _keys.GetParametersForImport(Admin, key.KeyId, "RSAES_PKCS1_V1_5", "RSA_2048")));
        Assert.Equal("UnsupportedOperationException", Code(() => _keys.GetParametersForImport(Admin, key.KeyId, "RSAES_OAEP_SHA_256", "SM2")));
        Assert.Equal("ValidationException", Code(() => _keys.GetParametersForImport(Admin, key.KeyId, "RSA_OAEP", "RSA_2048")));
        var generated = _keys.CreateKey(Admin, new CreateKeyRequest());
        Assert.Equal("UnsupportedOperationException", Code(() => _keys.GetParametersForImport(Admin, generated.KeyId, "RSAES_OAEP_SHA_256", "RSA_2048")));
        Assert.Equal("UnsupportedOperationException", Code(() => _keys.DeleteImportedKeyMaterial(Admin, generated.KeyId, null)));
    }

    [Fact]
    public void ImportOperations_AreAuthorizedByPolicy_AndAuditedWithoutTheMaterial()
    {
        var key = CreateExternalKey();
        var material = RandomNumberGenerator.GetBytes(32);
        var encryptOnly = User("encryptor", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}""");
        var importer = User("importer", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:GetParametersForImport","kms:ImportKeyMaterial"],"Resource":"*"}]}""");

        Assert.Equal("AccessDeniedException", Code(() => _keys.GetParametersForImport(encryptOnly, key.KeyId, "RSAES_OAEP_SHA_256", "RSA_2048")));
        var parameters = _keys.GetParametersForImport(importer, key.KeyId, "RSAES_OAEP_SHA_256", "RSA_2048");
        var wrapped = Wrap(parameters, "RSAES_OAEP_SHA_256", material);
        Assert.Equal("AccessDeniedException", Code(() => _keys.ImportKeyMaterial(encryptOnly, new ImportKeyMaterialRequest(key.KeyId, parameters.ImportToken, wrapped) { ExpirationModel = "KEY_MATERIAL_DOES_NOT_EXPIRE" })));
        _keys.ImportKeyMaterial(importer, new ImportKeyMaterialRequest(key.KeyId, parameters.ImportToken, wrapped) { ExpirationModel = "KEY_MATERIAL_DOES_NOT_EXPIRE" });
        Assert.Equal("AccessDeniedException", Code(() => _keys.DeleteImportedKeyMaterial(importer, key.KeyId, null)));
        Assert.Equal(KeyState.Enabled, _keys.DescribeKey(Admin, key.KeyId).State);

        var records = _audit.Events.Where(e => e.EventName is "GetParametersForImport" or "ImportKeyMaterial" or "DeleteImportedKeyMaterial").ToList();
        Assert.Equal(5, records.Count);
        var imported = JsonDocument.Parse(records.Last(e => e.EventName == "ImportKeyMaterial").RecordJson).RootElement;
        Assert.Equal("KEY_MATERIAL_DOES_NOT_EXPIRE", imported.GetProperty("requestParameters").GetProperty("expirationModel").GetString());
        Assert.Equal(key.Arn, imported.GetProperty("resources")[0].GetProperty("ARN").GetString());
        var all = string.Join('\n', _audit.Events.Select(e => e.RecordJson));
        Assert.DoesNotContain(Convert.ToBase64String(material), all, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(wrapped), all, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(parameters.ImportToken), all, StringComparison.Ordinal);
    }

    [Fact]
    public void DeleteImportedKeyMaterial_OnOneNode_StopsTheOtherNodeDecrypting_OnceItObservesTheStore()
    {
        var nodeB = new KeyService(_repository, _audit, _rootKeys, _clock, new KmsOptions { Region = "us-east-1" });
        var key = CreateExternalKey();
        Import(key, RandomNumberGenerator.GetBytes(32));
        nodeB.ObserveStoreChanges();
        var blob = nodeB.Encrypt(Admin, new EncryptRequest(key.Arn, "y"u8.ToArray(), Context)).CiphertextBlob;
        var destroyedOnB = new List<string>();
        nodeB.KeyDestroyed += (_, change) => destroyedOnB.Add(change.KeyArn);

        _keys.DeleteImportedKeyMaterial(Admin, key.KeyId, null);
        Assert.True(nodeB.ObserveStoreChanges());

        Assert.Equal([key.Arn], destroyedOnB);
        Assert.Equal("KMSInvalidStateException", Code(() => nodeB.Decrypt(Admin, new DecryptRequest(blob, Context))));
    }
}
