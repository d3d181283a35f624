using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Tests.Audit;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>Who may retire a grant, the grants a principal may retire, a key's last use, and the operations Tracevault does not offer.</summary>
public sealed class GrantsTests
{
    private const string Account = "111122223333";
    private const string OtherAccount = "444455556666";
    private const string AllowAll = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""";
    private const string AllowRetire = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:RetireGrant","Resource":"*"}]}""";
    private const string DenyRetire = """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:RetireGrant","Resource":"*"}]}""";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly EphemeralAuditLog _audit = new();
    private readonly EphemeralKeyRepository _repository;
    private readonly KeyService _keys;

    public GrantsTests()
    {
        _repository = new EphemeralKeyRepository(_audit);
        _keys = new KeyService(_repository, _audit, RootKeyRing.CreateNew(), _clock, new KmsOptions { Region = "us-east-1" });
    }

    private static Caller User(string name, string account = Account, params string[] policies) =>
        new(account, Caller.UserArn(account, name), name, "AKIA" + name.ToUpperInvariant().PadRight(16, 'X')[..16], policies.Select(PolicyDocument.Parse).ToArray());

    private static readonly Caller Admin = User("admin", Account, AllowAll);

    private static string Code(Action action) => Assert.Throws<KmsException>(action).Code;

    private KmsKey KeyWithPolicy(string policy) => _keys.CreateKey(Admin, new CreateKeyRequest { Policy = policy, BypassPolicyLockoutSafetyCheck = true });

    [Fact]
    public void RetireGrant_RetiringPrincipalByToken_AndGranteeAllowedRetireGrantByKeyAndId_WithoutAnyPolicy()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var retirer = User("retirer");
        var grantee = User("grantee");
        var byToken = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, grantee.Arn, ["Encrypt"]) { RetiringPrincipal = retirer.Arn });
        var byId = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, grantee.Arn, ["Decrypt", "RetireGrant"]));

        _keys.RetireGrant(retirer, byToken.GrantToken, null, null);
        _keys.RetireGrant(grantee, null, key.KeyId, byId.GrantId);

        Assert.Empty(_repository.ListGrants(key.KeyId));
        var record = JsonDocument.Parse(_audit.Events.Last(e => e.EventName == "RetireGrant").RecordJson).RootElement;
        Assert.Equal(byId.GrantId, record.GetProperty("requestParameters").GetProperty("grantId").GetString());
        Assert.Equal(key.Arn, record.GetProperty("requestParameters").GetProperty("keyId").GetString());
        Assert.False(record.TryGetProperty("errorCode", out _));
    }

    [Fact]
    public void RetireGrant_GranteeOfAnotherGrantThatAllowsRetireGrant_Refused()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var grantee = User("grantee");
        _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, grantee.Arn, ["RetireGrant"]));
        var other = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, User("someone").Arn, ["Encrypt"]));

        // The grant decides who retires it: RetireGrant in one grant does not let its grantee retire another.
        Assert.Equal("AccessDeniedException", Code(() => _keys.RetireGrant(grantee, other.GrantToken, null, null)));
        Assert.Equal(2, _repository.ListGrants(key.KeyId).Count);
    }

    [Fact]
    public void RetireGrant_KmsRetireGrantInTheKeyPolicy_CountsForNothing()
    {
        var named = User("named");
        var key = KeyWithPolicy($$"""
            {"Version":"2012-10-17","Statement":[
              {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:user/admin"},"Action":"kms:*","Resource":"*"},
              {"Effect":"Allow","Principal":{"AWS":"{{named.Arn}}"},"Action":"kms:RetireGrant","Resource":"*"}]}
            """);
        var grant = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, User("grantee").Arn, ["Encrypt"]));

        Assert.Equal("AccessDeniedException", Code(() => _keys.RetireGrant(named, null, key.Arn, grant.GrantId)));
        Assert.Single(_repository.ListGrants(key.KeyId));
    }

    [Fact]
    public void RetireGrant_KeyAccountPrincipalAllowedByIamOnly_RetiresThoughTheKeyPolicyNamesOnlyTheAdmin()
    {
        var key = KeyWithPolicy($$"""
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::{{Account}}:user/admin"},"Action":"kms:*","Resource":"*"}]}
            """);
        var grant = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, User("grantee").Arn, ["Encrypt"]));

        Assert.Equal("AccessDeniedException", Code(() => _keys.RetireGrant(User("bare"), grant.GrantToken, null, null)));
        _keys.RetireGrant(User("cleaner", Account, AllowRetire), grant.GrantToken, null, null);
        Assert.Empty(_repository.ListGrants(key.KeyId));
    }

    [Fact]
    public void RetireGrant_IamDeny_RefusesEvenTheRetiringPrincipal()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var retirer = User("retirer", Account, DenyRetire);
        var grant = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, User("grantee").Arn, ["Encrypt"]) { RetiringPrincipal = retirer.Arn });

        var error = Assert.Throws<KmsException>(() => _keys.RetireGrant(retirer, grant.GrantToken, null, null));
        Assert.Equal("AccessDeniedException", error.Code);
        Assert.Contains("explicit deny", error.Message, StringComparison.Ordinal);
        Assert.Single(_repository.ListGrants(key.KeyId));
    }

    [Fact]
    public void RetireGrant_AnotherAccountNamedAsRetiringPrincipal_ItsIamAllowedUserRetiresByToken()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var grant = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, User("grantee").Arn, ["Encrypt"]) { RetiringPrincipal = Caller.AccountRootArn(OtherAccount) });

        Assert.Equal("AccessDeniedException", Code(() => _keys.RetireGrant(User("stranger", "777788889999", AllowAll), grant.GrantToken, null, null)));
        Assert.Equal("AccessDeniedException", Code(() => _keys.RetireGrant(User("bare", OtherAccount), grant.GrantToken, null, null)));
        _keys.RetireGrant(User("partner", OtherAccount, AllowRetire), grant.GrantToken, null, null);
        Assert.Empty(_repository.ListGrants(key.KeyId));
    }

    [Fact]
    public void RetireGrant_BadIdentifiers_AnsweredWithTheModelsErrors()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var grant = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, User("grantee").Arn, ["Encrypt"]));

        Assert.Equal("InvalidGrantIdException", Code(() => _keys.RetireGrant(Admin, null, key.KeyId, "not-a-grant-id")));
        Assert.Equal("NotFoundException", Code(() => _keys.RetireGrant(Admin, null, key.KeyId, new string('0', 64))));
        Assert.Equal("InvalidGrantTokenException", Code(() => _keys.RetireGrant(Admin, "bm90IGEgdG9rZW4=", null, null)));
        Assert.Equal("ValidationException", Code(() => _keys.RetireGrant(Admin, null, key.KeyId, null)));
        Assert.Equal("DryRunOperationException", Code(() => _keys.RetireGrant(Admin, grant.GrantToken, null, null, dryRun: true)));
        Assert.Single(_repository.ListGrants(key.KeyId));
    }

    [Fact]
    public void ListRetirableGrants_ThePrincipalsGrantsOnKeysOfAnyAccount_PagedOldestFirst_AuthorizedByIamOnly()
    {
        var mine = _keys.CreateKey(Admin, new CreateKeyRequest());
        var partner = User("partner", OtherAccount, AllowAll);
        var theirs = _keys.CreateKey(partner, new CreateKeyRequest());
        var retirer = User("retirer");
        var grants = new List<string>();
        foreach (var (key, creator) in new[] { (mine, Admin), (theirs, partner), (mine, Admin) })
        {
            _clock.Advance(TimeSpan.FromMinutes(1));
            grants.Add(_keys.CreateGrant(creator, new CreateGrantRequest(key.Arn, User("grantee").Arn, ["Encrypt"]) { RetiringPrincipal = retirer.Arn }).GrantId);
        }

        _keys.CreateGrant(Admin, new CreateGrantRequest(mine.Arn, retirer.Arn, ["Encrypt"]));

        var lister = User("lister", Account, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListRetirableGrants","Resource":"*"}]}""");
        var first = _keys.ListRetirableGrants(lister, retirer.Arn, null, 2, null);
        Assert.True(first.Truncated);
        var second = _keys.ListRetirableGrants(lister, retirer.Arn, null, 2, first.NextMarker);
        Assert.False(second.Truncated);
        Assert.Equal(grants, first.Items.Concat(second.Items).Select(g => g.GrantId));
        Assert.Equal(theirs.Arn, first.Items[1].KeyArn);

        // The key policy of neither key names the lister: IAM alone decides, and only for principals of the caller's account.
        Assert.Equal("AccessDeniedException", Code(() => _keys.ListRetirableGrants(retirer, retirer.Arn, null, null, null)));
        Assert.Equal("AccessDeniedException", Code(() => _keys.ListRetirableGrants(partner, retirer.Arn, null, null, null)));
        Assert.Equal("AccessDeniedException", Code(() => _keys.ListRetirableGrants(User("denied", Account, AllowAll,
            """{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:ListRetirableGrants","Resource":"*"}]}"""), retirer.Arn, null, null, null)));
        Assert.Equal("AccessDeniedException", Code(() => _keys.ListRetirableGrants(lister, null, "xray.amazonaws.com", null, null)));
        Assert.Equal("ValidationException", Code(() => _keys.ListRetirableGrants(lister, null, null, null, null)));
        Assert.Equal("ValidationException", Code(() => _keys.ListRetirableGrants(lister, retirer.Arn, "xray.amazonaws.com", null, null)));
        Assert.Equal("InvalidArnException", Code(() => _keys.ListRetirableGrants(lister, "retirer", null, null, null)));
        Assert.Equal("InvalidMarkerException", Code(() => _keys.ListRetirableGrants(lister, retirer.Arn, null, null, "zz")));

        var record = JsonDocument.Parse(_audit.Events.Last(e => e.EventName == "ListRetirableGrants" && e.Username == "lister").RecordJson).RootElement;
        Assert.Equal(retirer.Arn, record.GetProperty("requestParameters").GetProperty("retiringPrincipal").GetString());
        Assert.True(record.GetProperty("readOnly").GetBoolean());
    }

    [Fact]
    public void ListRetirableGrants_ServiceCaller_ListsItsOwnServiceGrants()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var grant = _keys.CreateGrant(Admin, new CreateGrantRequest(key.Arn, "xray.amazonaws.com", ["Decrypt"]) { RetiringPrincipal = "xray.amazonaws.com" });

        var page = _keys.ListRetirableGrants(Caller.ForService(Account, "xray.amazonaws.com"), null, "xray.amazonaws.com", null, null);
        Assert.Equal([grant.GrantId], page.Items.Select(g => g.GrantId));
    }

    [Theory]
    [InlineData("CreateCustomKeyStore")]
    [InlineData("ConnectCustomKeyStore")]
    [InlineData("DeleteCustomKeyStore")]
    [InlineData("DescribeCustomKeyStores")]
    [InlineData("DisconnectCustomKeyStore")]
    [InlineData("UpdateCustomKeyStore")]
    public void CustomKeyStoreOperations_UnsupportedAfterValidationAndIam_AndAudited(string operation)
    {
        var error = Assert.Throws<KmsException>(() => _keys.RefuseCustomKeyStore(Admin, operation, "cks-1234567890abcdef0", null));
        Assert.Equal("UnsupportedOperationException", error.Code);
        Assert.Contains("does not offer custom key stores", error.Message, StringComparison.Ordinal);
        Assert.Equal("ValidationException", Code(() => _keys.RefuseCustomKeyStore(Admin, operation, new string('c', 65), null)));
        Assert.Equal("AccessDeniedException", Code(() => _keys.RefuseCustomKeyStore(User("bare"), operation, "cks-1234567890abcdef0", null)));

        var record = JsonDocument.Parse(_audit.Events.First(e => e.EventName == operation).RecordJson).RootElement;
        Assert.Equal("UnsupportedOperationException", record.GetProperty("errorCode").GetString());
        Assert.Equal("cks-1234567890abcdef0", record.GetProperty("requestParameters").GetProperty("customKeyStoreId").GetString());
    }

    [Theory]
    [InlineData("ReplicateKey")]
    [InlineData("UpdatePrimaryRegion")]
    public void MultiRegionOperations_UnsupportedForAKeyTheCallerMayUse_NotFoundOrDeniedOtherwise(string operation)
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());

        var error = Assert.Throws<KmsException>(() => _keys.RefuseMultiRegion(Admin, operation, key.KeyId, "us-west-2"));
        Assert.Equal("UnsupportedOperationException", error.Code);
        Assert.Contains("is not a multi-Region key", error.Message, StringComparison.Ordinal);
        Assert.Equal("ValidationException", Code(() => _keys.RefuseMultiRegion(Admin, operation, key.KeyId, "west")));
        Assert.Equal("NotFoundException", Code(() => _keys.RefuseMultiRegion(Admin, operation, "0a000000-0000-4000-8000-000000000000", "us-west-2")));
        Assert.Equal("AccessDeniedException", Code(() => _keys.RefuseMultiRegion(User("bare"), operation, key.Arn, "us-west-2")));
        var record = JsonDocument.Parse(_audit.Events.First(e => e.EventName == operation).RecordJson).RootElement;
        Assert.Equal(key.Arn, record.GetProperty("resources")[0].GetProperty("ARN").GetString());
    }

    [Fact]
    public void GetKeyLastUsage_TheMostRecentSuccessfulCryptographicUse_NotRefusalsOrManagement()
    {
        var key = _keys.CreateKey(Admin, new CreateKeyRequest());
        var other = _keys.CreateKey(Admin, new CreateKeyRequest());
        var unused = _keys.GetKeyLastUsage(Admin, key.KeyId);
        Assert.Null(unused.LastUse);
        Assert.Equal(key.CreationDate, unused.TrackingStartDate);

        _clock.Advance(TimeSpan.FromMinutes(1));
        var blob = _keys.Encrypt(Admin, new EncryptRequest(key.Arn, [1, 2, 3], EncryptionContext.Empty)).CiphertextBlob;
        _clock.Advance(TimeSpan.FromMinutes(1));
        var reEncrypted = _keys.ReEncrypt(Admin, new ReEncryptRequest(blob, EncryptionContext.Empty, other.Arn, EncryptionContext.Empty));
        var reEncryptRecord = _audit.Events.Last(e => e.EventName == "ReEncrypt");
        _clock.Advance(TimeSpan.FromMinutes(1));
        _keys.DescribeKey(Admin, key.KeyId);
        Assert.Equal("DryRunOperationException", Code(() => _keys.Encrypt(Admin, new EncryptRequest(key.Arn, [1], EncryptionContext.Empty) { DryRun = true })));
        _keys.DisableKey(Admin, key.KeyId);
        Assert.Equal("DisabledException", Code(() => _keys.Encrypt(Admin, new EncryptRequest(key.Arn, [1], EncryptionContext.Empty))));

        // Answered for a disabled key too: that is when one asks whether anything still uses it.
        var used = _keys.GetKeyLastUsage(Admin, key.Arn);
        Assert.Equal(new Tracevault.Keys.Audit.KeyLastUse(key.Arn, "ReEncrypt", Start.AddMinutes(2), reEncryptRecord.EventId, ""), used.LastUse! with { RequestId = "" });
        Assert.Equal("ReEncrypt", _keys.GetKeyLastUsage(Admin, other.KeyId).LastUse!.Operation);
        Assert.Equal(other.Arn, reEncrypted.KeyArn);

        // Authorized as DescribeKey is: by kms:GetKeyLastUsage in the key policy, IAM or a grant; audited, read-only.
        Assert.Equal("AccessDeniedException", Code(() => _keys.GetKeyLastUsage(User("bare"), key.Arn)));
        Assert.Equal("NotFoundException", Code(() => _keys.GetKeyLastUsage(Admin, "alias/x")));
        var reader = User("reader", Account, """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:GetKeyLastUsage","Resource":"*"}]}""");
        Assert.Equal("ReEncrypt", _keys.GetKeyLastUsage(reader, key.Arn).LastUse!.Operation);
        var record = JsonDocument.Parse(_audit.Events.Last(e => e.EventName == "GetKeyLastUsage").RecordJson).RootElement;
        Assert.Equal(key.Arn, record.GetProperty("requestParameters").GetProperty("keyId").GetString());
        Assert.True(record.GetProperty("readOnly").GetBoolean());
    }
}
