using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Keys.Tests.Audit;

namespace Tracevault.Keys.Tests.Kms;

/// <summary>Two key services over one repository, as two nodes over one store: each sees what the other changed once it looks.</summary>
public sealed class KeyServiceNodesTests
{
    private const string Account = "111122223333";
    private const string XRay = "xray.amazonaws.com";
    private static readonly Dictionary<string, string> TraceContext = new() { ["aws:xray:arn"] = $"arn:aws:xray:us-east-1:{Account}:trace-data" };
    private static readonly Caller Admin = new(Account, Caller.UserArn(Account, "admin"), "admin", "AKIAADMINXXXXXXXXXXX",
        [PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""")]);

    private static readonly Caller Service = Caller.ForService(Account, XRay);

    private readonly EphemeralAuditLog _audit = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly KeyService _nodeA;
    private readonly KeyService _nodeB;

    public KeyServiceNodesTests()
    {
        var audit = _audit;
        var repository = new EphemeralKeyRepository(audit);
        var rootKeys = RootKeyRing.CreateNew();
        _nodeA = new KeyService(repository, audit, rootKeys, _clock, new KmsOptions { Region = "us-east-1" });
        _nodeB = new KeyService(repository, audit, rootKeys, _clock, new KmsOptions { Region = "us-east-1" });
    }

    public static TheoryData<string> Revocations => ["DisableKey", "ScheduleKeyDeletion", "PutKeyPolicy", "RevokeGrant"];

    [Theory]
    [MemberData(nameof(Revocations))]
    public void AKeyMadeUnusableOnOneNode_IsUnusableOnTheOther_OnceItObservesTheStore(string revocation)
    {
        var key = _nodeA.CreateKey(Admin, new CreateKeyRequest());
        var grant = _nodeA.CreateGrant(Admin, new CreateGrantRequest(key.Arn, XRay, ["GenerateDataKey", "Decrypt", "DescribeKey"]));
        _nodeB.ObserveStoreChanges();
        Assert.True(_nodeB.CheckUsable(Service, key.Arn, TraceContext).Usable);

        switch (revocation)
        {
            case "DisableKey":
                _nodeA.DisableKey(Admin, key.Arn);
                break;
            case "ScheduleKeyDeletion":
                _nodeA.ScheduleKeyDeletion(Admin, key.Arn, 7);
                break;
            case "PutKeyPolicy":
                _nodeA.PutKeyPolicy(Admin, key.Arn, """
                    {"Version":"2012-10-17","Statement":[
                      {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},
                      {"Effect":"Deny","Principal":{"Service":"xray.amazonaws.com"},"Action":"kms:GenerateDataKey","Resource":"*"}]}
                    """, null);
                break;
            default:
                _nodeA.RevokeGrant(Admin, key.Arn, grant.GrantId);
                break;
        }

        Assert.True(_nodeB.ObserveStoreChanges());
        var usability = _nodeB.CheckUsable(Service, key.Arn, TraceContext);
        Assert.False(usability.Usable);
        Assert.Equal(revocation switch { "DisableKey" => "DisabledException", "ScheduleKeyDeletion" => "KMSInvalidStateException", _ => "AccessDeniedException" }, usability.ErrorCode);
        Assert.Equal(usability.ErrorCode, Assert.Throws<KmsException>(() => _nodeB.GenerateDataKey(Service, new GenerateDataKeyRequest(key.Arn, TraceContext) { KeySpec = "AES_256" })).Code);
    }

    [Fact]
    public void ObserveStoreChanges_WhenNothingChanged_AnswersFalseAndKeepsTheCachedAnswers()
    {
        var key = _nodeA.CreateKey(Admin, new CreateKeyRequest());
        _nodeB.ObserveStoreChanges();
        var generation = _nodeB.Generation;

        Assert.False(_nodeB.ObserveStoreChanges());
        Assert.Equal(generation, _nodeB.Generation);
        _nodeA.EnableKey(Admin, key.Arn);
        Assert.True(_nodeB.ObserveStoreChanges());
        Assert.True(_nodeB.Generation > generation);
    }

    [Fact]
    public void AChangeOnANodeWhoseCacheIsStale_BuildsOnTheOtherNodesChange_InsteadOfColliding()
    {
        var key = _nodeA.CreateKey(Admin, new CreateKeyRequest());
        Assert.Equal("", _nodeB.DescribeKey(Admin, key.Arn).Description);

        // B has cached revision 1; A appends revision 2, and B changes the key before it looks at the store again.
        _nodeA.UpdateKeyDescription(Admin, key.Arn, "changed on node A");
        _nodeB.TagResource(Admin, key.Arn, [new KmsTag("team", "b")]);

        _nodeA.ObserveStoreChanges();
        var newest = _nodeA.DescribeKey(Admin, key.Arn);
        Assert.Equal("changed on node A", newest.Description);
        Assert.Equal("b", Assert.Single(newest.Tags).TagValue);
        Assert.Equal(3, newest.Revision);
    }

    [Fact]
    public void AKeyDestroyedOnOneNode_IsForgottenOnTheOther_WithItsDataKeysEvicted()
    {
        var key = _nodeA.CreateKey(Admin, new CreateKeyRequest());
        Assert.NotNull(_nodeB.DeriveTraceIndexKey(Account, key.Arn));
        var destroyed = new List<string>();
        _nodeB.KeyDestroyed += (_, e) => destroyed.Add(e.KeyArn);

        _nodeA.ScheduleKeyDeletion(Admin, key.Arn, 7);
        _clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal(1, _nodeA.DestroyDueKeys());

        Assert.True(_nodeB.ObserveStoreChanges());
        Assert.Equal([key.Arn], destroyed);
        Assert.Null(_nodeB.DeriveTraceIndexKey(Account, key.Arn));

        // B's own sweep finds nothing left to do: the key is not destroyed twice, nor recorded twice.
        Assert.Equal(0, _nodeB.DestroyDueKeys());
    }

    [Fact]
    public void AKeyDueForDeletion_DestroyedByOneNode_IsNotDestroyedAgainByANodeThatCachedItPending()
    {
        var key = _nodeA.CreateKey(Admin, new CreateKeyRequest());
        _nodeA.ScheduleKeyDeletion(Admin, key.Arn, 7);
        Assert.Equal(KeyState.PendingDeletion, _nodeB.DescribeKey(Admin, key.Arn).State);
        _clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal(1, _nodeA.DestroyDueKeys());

        // B still holds the pending revision and finds its deletion due: it must see A's destruction, not append another.
        Assert.Equal("NotFoundException", Assert.Throws<KmsException>(() => _nodeB.DescribeKey(Admin, key.Arn)).Code);
        Assert.Single(_audit.Events, e => e.EventName == "DeleteKey");
    }
}
