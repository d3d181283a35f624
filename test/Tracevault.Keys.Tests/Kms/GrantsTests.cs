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
}
