using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Tests.Audit;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>The key service's internal API, as the trace store calls it, with a fake clock and in-memory stores.</summary>
public sealed class KeyServiceTests
{
    private const string Account = "111122223333";
    private const string OtherAccount = "444455556666";
    private const string XRay = "xray.amazonaws.com";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> TraceContext = new() { ["aws:xray:arn"] = $"arn:aws:xray:us-east-1:{Account}:group/Default" };

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly EphemeralAuditLog _audit = new();
    private readonly EphemeralKeyRepository _repository;
    private readonly KeyService _keys;

    public KeyServiceTests()
    {
        _repository = new EphemeralKeyRepository(_audit);
        _keys = new KeyService(_repository, _audit, RootKeyRing.CreateNew(), _clock, new KmsOptions { Region = "us-east-1" });
    }

    private static Caller User(string name, string account = Account, params string[] policies) =>
        new(account, Caller.UserArn(account, name), name, "AKIA" + name.ToUpperInvariant().PadRight(16, 'X')[..16], policies.Select(PolicyDocument.Parse).ToArray());

    private static readonly Caller Admin = User("admin", Account, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");
    private static readonly Caller Service = Caller.ForService(Account, XRay);

    [Fact]
    public void ServiceGrant_GenerateDataKeyAndDecrypt_AllowedAndAuditedAsAwsService()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.GenerateDataKey(Service, new GenerateDataKeyRequest(key.Arn, TraceContext) { KeySpec = "AES_256" })).Code);

        var grant = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, XRay, ["GenerateDataKey", "Decrypt", "DescribeKey"]) { RetiringPrincipal = XRay });
        var dataKey = _keys.GenerateDataKey(Service, new GenerateDataKeyRequest(key.Arn, TraceContext) { KeySpec = "AES_256" });
        Assert.Equal(key.Arn, dataKey.KeyArn);
        var opened = _keys.Decrypt(Service, new DecryptRequest(dataKey.CiphertextBlob, TraceContext));
        Assert.Equal(dataKey.Plaintext, opened.Plaintext);
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.Encrypt(Service, new EncryptRequest(key.Arn, [1], TraceContext))).Code);
        Assert.False(string.IsNullOrEmpty(grant.GrantToken));

        var record = JsonDocument.Parse(_audit.Events.Last(e => e.EventName == "GenerateDataKey").RecordJson).RootElement;
        Assert.Equal("AWSService", record.GetProperty("userIdentity").GetProperty("type").GetString());
        Assert.Equal(XRay, record.GetProperty("userIdentity").GetProperty("invokedBy").GetString());
        Assert.Equal(XRay, record.GetProperty("sourceIPAddress").GetString());
        Assert.Equal(TraceContext["aws:xray:arn"], record.GetProperty("requestParameters").GetProperty("encryptionContext").GetProperty("aws:xray:arn").GetString());
        Assert.Equal("AES_256", record.GetProperty("requestParameters").GetProperty("keySpec").GetString());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("responseElements").ValueKind);
        Assert.Equal(key.Arn, record.GetProperty("resources")[0].GetProperty("ARN").GetString());
        Assert.DoesNotContain(Convert.ToBase64String(dataKey.Plaintext!), string.Join('\n', _audit.Events.Select(e => e.RecordJson)), StringComparison.Ordinal);
        Assert.Equal(key.Arn, _keys.GenerateDataKey(Service, new GenerateDataKeyRequest(key.Arn, TraceContext) { NumberOfBytes = 16, GrantTokens = [grant.GrantToken] }).KeyArn);
        Assert.Equal("InvalidGrantTokenException",
            Assert.Throws<KmsException>(() => _keys.GenerateDataKey(Service, new GenerateDataKeyRequest(key.Arn, TraceContext) { NumberOfBytes = 16, GrantTokens = ["not-a-token"] })).Code);
    }

    [Fact]
    public void ReadingUser_DecryptViaXRay_UsesTheUsersOwnPermissionsWithViaService()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var blob = _keys.Encrypt(Admin, new EncryptRequest(key.Arn, "segment"u8.ToArray(), TraceContext)).CiphertextBlob;
        var reader = User("reader", Account,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"xray.us-east-1.amazonaws.com"}}}]}""");

        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.Decrypt(reader, new DecryptRequest(blob, TraceContext))).Code);
        var viaXRay = _keys.Decrypt(reader, new DecryptRequest(blob, TraceContext) { ViaService = XRay });
        Assert.Equal("segment"u8.ToArray(), viaXRay.Plaintext);

        var record = JsonDocument.Parse(_audit.Events.Last(e => e.EventName == "Decrypt").RecordJson).RootElement;
        Assert.Equal("IAMUser", record.GetProperty("userIdentity").GetProperty("type").GetString());
        Assert.Equal(reader.Arn, record.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Equal(XRay, record.GetProperty("userIdentity").GetProperty("invokedBy").GetString());
    }

    [Fact]
    public void CheckUsable_FollowsStatePolicyAndGrant_AndIsCachedUntilAChange()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var grant = _keys.CreateGrant(Admin, new CreateGrantRequest(key.KeyId, XRay, ["GenerateDataKey", "Decrypt"]));
        var changes = new List<KeyChangedEventArgs>();
        _keys.KeyChanged += (_, change) => changes.Add(change);

        var usable = _keys.CheckUsable(Service, key.Arn, TraceContext);
        Assert.True(usable.Usable);
        Assert.Same(usable, _keys.CheckUsable(Service, key.Arn, TraceContext));

        _keys.DisableKey(Admin, key.KeyId);
        Assert.Equal(key.Arn, Assert.Single(changes).KeyArn);
        var disabled = _keys.CheckUsable(Service, key.Arn, TraceContext);
        Assert.False(disabled.Usable);
        Assert.Equal("DisabledException", disabled.ErrorCode);
        Assert.True(disabled.Generation > usable.Generation);

        _keys.EnableKey(Admin, key.KeyId);
        Assert.True(_keys.CheckUsable(Service, key.Arn, TraceContext).Usable);
        _keys.RevokeGrant(Admin, key.KeyId, grant.GrantId);
        Assert.Equal("AccessDeniedException", _keys.CheckUsable(Service, key.Arn, TraceContext).ErrorCode);

        var second = _keys.CreateGrant(Admin, new CreateGrantRequest(key.KeyId, XRay, ["GenerateDataKey"]));
        Assert.True(_keys.CheckUsable(Service, key.Arn, TraceContext).Usable);
        _keys.ScheduleKeyDeletion(Admin, key.KeyId, 7);
        Assert.Equal("KMSInvalidStateException", _keys.CheckUsable(Service, key.Arn, TraceContext).ErrorCode);
        _keys.CancelKeyDeletion(Admin, key.KeyId);
        _keys.EnableKey(Admin, key.KeyId);
        Assert.True(_keys.CheckUsable(Service, key.Arn, TraceContext).Usable);
        _keys.PutKeyPolicy(Admin, key.KeyId, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":{"Service":"xray.amazonaws.com"},"Action":"kms:*","Resource":"*"}]}""", null);
        Assert.Equal("AccessDeniedException", _keys.CheckUsable(Service, key.Arn, TraceContext).ErrorCode);
        Assert.NotNull(second);
    }

    [Fact]
    public void AwsManagedKey_CreatedOnce_UsableThroughTheServiceOnly_NotManageable()
    {
        var managed = _keys.GetOrCreateAwsManagedKey(Account, "xray");
        Assert.Same(managed, _keys.GetOrCreateAwsManagedKey(Account, "xray"));
        Assert.Equal("AWS", managed.KeyManager);
        Assert.Equal(365, managed.RotationPeriodInDays);
        Assert.Equal(KeyService.XRayManagedKeyDescription, managed.Description);
        Assert.Equal(managed.KeyId, _keys.DescribeKey(Admin, "alias/aws/xray").KeyId);

        var dataKey = _keys.GenerateDataKey(Service, new GenerateDataKeyRequest("alias/aws/xray", TraceContext) { NumberOfBytes = 32 });
        Assert.Equal(managed.Arn, dataKey.KeyArn);
        Assert.True(_keys.CheckUsable(Service, managed.Arn, TraceContext).Usable);
        Assert.Equal(dataKey.Plaintext, _keys.Decrypt(Admin, new DecryptRequest(dataKey.CiphertextBlob, TraceContext) { ViaService = XRay }).Plaintext);

        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.Decrypt(Admin, new DecryptRequest(dataKey.CiphertextBlob, TraceContext))).Code);
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.DisableKey(Admin, managed.KeyId)).Code);
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.ScheduleKeyDeletion(Admin, managed.KeyId, 7)).Code);
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.DisableKeyRotation(Admin, managed.KeyId)).Code);
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.PutKeyPolicy(Admin, managed.KeyId, KeyService.DefaultPolicy(Account), null)).Code);
        Assert.True(_keys.GetKeyRotationStatus(Admin, managed.KeyId).Enabled);
        Assert.Contains("kms:ViaService", _keys.GetKeyPolicy(Admin, managed.KeyId, null), StringComparison.Ordinal);
        Assert.Equal("NotAuthorizedException", Assert.Throws<KmsException>(() => _keys.CreateAlias(Admin, "alias/aws/mine", managed.KeyId)).Code);

        var other = User("admin", OtherAccount, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""");
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.Decrypt(other, new DecryptRequest(dataKey.CiphertextBlob, TraceContext) { ViaService = XRay })).Code);
    }

    [Fact]
    public void AutomaticRotation_WhenDue_AddsAVersionAndOldCiphertextStillDecrypts()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var before = _keys.Encrypt(Admin, new EncryptRequest(key.KeyId, "old"u8.ToArray(), EncryptionContext.Empty)).CiphertextBlob;
        _keys.EnableKeyRotation(Admin, key.KeyId, 90);
        _clock.Advance(TimeSpan.FromDays(90));

        var after = _keys.Encrypt(Admin, new EncryptRequest(key.KeyId, "new"u8.ToArray(), EncryptionContext.Empty)).CiphertextBlob;
        Assert.True(KmsCiphertext.TryReadHeader(after, out _, out var version));
        Assert.Equal(2, version);
        Assert.Equal("old"u8.ToArray(), _keys.Decrypt(Admin, new DecryptRequest(before, EncryptionContext.Empty)).Plaintext);
        var rotation = Assert.Single(_keys.ListKeyRotations(Admin, key.KeyId, null, null).Items);
        Assert.Equal("AUTOMATIC", rotation.RotationType);
        Assert.Equal(Start.AddDays(180), _keys.GetKeyRotationStatus(Admin, key.KeyId).NextRotationDate);
        Assert.Contains(_audit.Events, e => e.EventName == "RotateKey");
    }

    [Fact]
    public void DestroyDueKeys_AKeyDestroyedWhenTouched_ErasesStorageThen_AndAgainWhileStorageIsBusy()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var destroyed = new List<string>();
        _keys.KeyDestroyed += (_, change) => destroyed.Add(change.KeyArn);
        _keys.ScheduleKeyDeletion(Admin, key.KeyId, 7);
        _clock.Advance(TimeSpan.FromDays(7));
        Assert.False(_keys.ErasePending);

        // Touching the key past its date destroys it; the erasing of storage waits for the sweep, outside the key service's lock.
        Assert.Equal("NotFoundException", Assert.Throws<KmsException>(() => _keys.DescribeKey(Admin, key.KeyId)).Code);
        Assert.Equal([key.Arn], destroyed);
        Assert.True(_keys.ErasePending);
        Assert.Equal(0, _repository.EraseAttempts);

        _repository.EraseBusy = true;
        Assert.Equal(0, _keys.DestroyDueKeys());
        Assert.True(_keys.ErasePending);

        _repository.EraseBusy = false;
        _keys.DestroyDueKeys();
        Assert.False(_keys.ErasePending);
        Assert.Equal(2, _repository.EraseAttempts);

        // Nothing destroyed since: nothing to erase.
        _keys.DestroyDueKeys();
        Assert.Equal(2, _repository.EraseAttempts);
        Assert.Equal([key.Arn], destroyed);
    }

    [Fact]
    public void ScheduledDeletion_AfterTheWindow_DestroysMaterialForGood()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        _keys.RotateKeyOnDemand(Admin, key.KeyId);
        var blob = _keys.Encrypt(Admin, new EncryptRequest(key.KeyId, "gone"u8.ToArray(), EncryptionContext.Empty)).CiphertextBlob;
        var scheduled = _keys.ScheduleKeyDeletion(Admin, key.KeyId, 7);
        Assert.Equal(Start.AddDays(7), scheduled.DeletionDate);

        _clock.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, _keys.DestroyDueKeys());
        Assert.Equal(2, _repository.ListVersions(key.KeyId).Count);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, _keys.DestroyDueKeys());
        Assert.Empty(_repository.ListVersions(key.KeyId));
        Assert.Equal(KeyState.Deleted, _repository.FindKey(key.KeyId)!.State);
        Assert.True(_repository.Revisions(key.KeyId).Count >= 4, "every change was appended as a revision");
        var error = Assert.Throws<KmsException>(() => _keys.Decrypt(Admin, new DecryptRequest(blob, EncryptionContext.Empty)));
        Assert.Equal(("AccessDeniedException", KmsErrors.UnknownCiphertextKey), (error.Code, error.Message));
        Assert.Equal("NotFoundException", Assert.Throws<KmsException>(() => _keys.DescribeKey(Admin, key.KeyId)).Code);
        Assert.Contains(_audit.Events, e => e.EventName == "DeleteKey");
    }

    [Fact]
    public void CrossAccount_KeyPolicyNamingTheAccount_NeedsTheCallersIamPolicyToo()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest
        {
            Policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::{{Account}}:root","arn:aws:iam::{{OtherAccount}}:root"]},"Action":"kms:*","Resource":"*"}]}""",
        });
        var allowed = User("partner", OtherAccount, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}]}""");
        var bare = User("bare", OtherAccount);

        Assert.Equal(key.Arn, _keys.Encrypt(allowed, new EncryptRequest(key.Arn, [1, 2, 3], EncryptionContext.Empty)).KeyArn);
        Assert.Equal("NotFoundException", Assert.Throws<KmsException>(() => _keys.Encrypt(allowed, new EncryptRequest(key.KeyId, [1], EncryptionContext.Empty))).Code);
        var refused = Assert.Throws<KmsException>(() => _keys.Encrypt(bare, new EncryptRequest(key.Arn, [1], EncryptionContext.Empty)));
        Assert.Equal($"User: {bare.Arn} is not authorized to perform: kms:Encrypt on resource: {key.Arn} because no resource-based policy allows the kms:Encrypt action", refused.Message);
        var usage = _audit.ReadUsage(Account, "2026-03");
        Assert.Contains(usage, u => u.KeyArn == key.Arn && u.Operation == "Encrypt" && u.Requests == 2);
        Assert.Contains(_audit.Events, e => e.RecipientAccountId == Account && e.Username == "partner");
        Assert.Contains(_audit.Events, e => e.RecipientAccountId == OtherAccount && e.Username == "partner");
    }

    [Fact]
    public void PutKeyPolicy_ThatLocksTheCallerOut_IsRefusedUnlessBypassed()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        const string OthersOnly = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"kms:*","Resource":"*"}]}""";
        var refused = Assert.Throws<KmsException>(() => _keys.PutKeyPolicy(Admin, key.KeyId, OthersOnly, null));
        Assert.Equal(("MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future."), (refused.Code, refused.Message));
        Assert.Equal(KeyService.DefaultPolicy(Account), _keys.GetKeyPolicy(Admin, key.KeyId, null));

        _keys.PutKeyPolicy(Admin, key.KeyId, OthersOnly, "default", bypassPolicyLockoutSafetyCheck: true);
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.GetKeyPolicy(Admin, key.KeyId, null)).Code);
    }

    [Fact]
    public void Grant_EncryptionContextEquals_AllowsOnlyThatExactContext()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var grantee = User("grantee");
        _keys.CreateGrant(Admin, new CreateGrantRequest(key.KeyId, grantee.Arn, ["Encrypt"]) { Constraints = new GrantConstraints(TraceContext, null) });

        _keys.Encrypt(grantee, new EncryptRequest(key.Arn, [1], TraceContext));
        var wider = new Dictionary<string, string>(TraceContext) { ["extra"] = "x" };
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.Encrypt(grantee, new EncryptRequest(key.Arn, [1], wider))).Code);
        Assert.Equal("AccessDeniedException", Assert.Throws<KmsException>(() => _keys.GenerateDataKey(grantee, new GenerateDataKeyRequest(key.Arn, TraceContext) { NumberOfBytes = 16 })).Code);
    }

    [Theory]
    [InlineData("CreateKey")]
    [InlineData("CreateAlias")]
    [InlineData("CreateGrant")]
    [InlineData("DisableKey")]
    [InlineData("RotateKeyOnDemand")]
    [InlineData("aws/xray")]
    [InlineData("AutomaticRotation")]
    [InlineData("DueDeletion")]
    public void Change_AuditRecordCannotBeWritten_LeavesNoChange(string operation)
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        _keys.EnableKeyRotation(Admin, key.Arn, 90);
        var scheduled = _keys.CreateKey(Admin, new CreateKeyRequest());
        _keys.ScheduleKeyDeletion(Admin, scheduled.Arn, 7);
        var before = Snapshot();
        var recordsBefore = _audit.Events.Count;

        _audit.FailAppends = true;
        Action change = operation switch
        {
            "CreateKey" => () => _keys.CreateKey(Admin, new CreateKeyRequest()),
            "CreateAlias" => () => _keys.CreateAlias(Admin, "alias/unrecorded", key.Arn),
            "CreateGrant" => () => _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, XRay, ["Decrypt"])),
            "DisableKey" => () => _keys.DisableKey(Admin, key.Arn),
            "RotateKeyOnDemand" => () => _keys.RotateKeyOnDemand(Admin, key.Arn),
            "aws/xray" => () => _keys.GetOrCreateAwsManagedKey(Account, "xray"),
            "AutomaticRotation" => () =>
            {
                _clock.Advance(TimeSpan.FromDays(91));
                _keys.DescribeKey(Admin, key.Arn);
            },
            _ => () =>
            {
                _clock.Advance(TimeSpan.FromDays(8));
                _keys.DestroyDueKeys();
            },
        };
        Assert.Throws<IOException>(change);
        _audit.FailAppends = false;

        // Nothing reached the store without its record, and the service does not act on what was never committed.
        Assert.Equal(before, Snapshot());
        Assert.Equal(recordsBefore, _audit.Events.Count);
        Assert.Equal(KeyState.Enabled, _keys.DescribeKey(Admin, key.Arn).State);
        Assert.Equal(KeyState.PendingDeletion, _repository.FindKey(scheduled.KeyId)!.State);

        // A rotation still due is made on the next use, now with its record.
        Assert.Equal(operation == "AutomaticRotation" ? 2 : 1, _repository.ListVersions(key.KeyId).Count);
        Assert.Equal(operation == "AutomaticRotation" ? 1 : 0, _audit.Events.Count(e => e.EventName == "RotateKey"));
    }

    [Fact]
    public void RefusedCall_AfterItsChangeWasStaged_RecordsTheRefusalAndChangesNothing()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        _keys.CreateAlias(Admin, "alias/taken", key.Arn);
        var before = Snapshot();

        Assert.Equal("AlreadyExistsException", Assert.Throws<KmsException>(() => _keys.CreateAlias(Admin, "alias/taken", key.Arn)).Code);

        Assert.Equal(before, Snapshot());
        var refusal = JsonDocument.Parse(_audit.Events[^1].RecordJson).RootElement;
        Assert.Equal("CreateAlias", refusal.GetProperty("eventName").GetString());
        Assert.Equal("AlreadyExistsException", refusal.GetProperty("errorCode").GetString());
    }

    /// <summary>Everything the repository holds for the account, as text to compare.</summary>
    private string Snapshot()
    {
        var keys = _repository.ListKeys(Account).OrderBy(k => k.KeyId, StringComparer.Ordinal).ToList();
        return string.Join('\n', keys.Select(k => $"{k.KeyId} r{k.Revision} {k.State} v{k.CurrentVersion} versions={_repository.ListVersions(k.KeyId).Count} grants={_repository.ListGrants(k.KeyId).Count}")
            .Concat(_repository.ListAliases(Account).Select(a => $"{a.AliasName} -> {a.TargetKeyId}")));
    }
}
