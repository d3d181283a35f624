using Tracevault.Keys.Audit;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Tests.Audit;

public sealed class AuditChainTests
{
    private static readonly AuditEvent Record = new("e1", "111122223333", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), "kms.amazonaws.com", "Decrypt", true,
        "alice", "AKIAEXAMPLE", ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-44cd-96ef-1234567890ab"], """{"eventName":"Decrypt"}""");

    private readonly RootKeyRing _ring = RootKeyRing.CreateNew();

    [Fact]
    public void Link_SameRecordAndKey_IsStable()
    {
        var chain = new AuditChain(_ring);
        Assert.Equal(chain.Link(1, AuditChain.Genesis, 1, Record), new AuditChain(_ring).Link(1, AuditChain.Genesis, 1, Record));
    }

    [Theory]
    [InlineData("username")]
    [InlineData("record")]
    [InlineData("time")]
    [InlineData("resources")]
    public void Link_AnyFieldChanged_Differs(string field)
    {
        var altered = field switch
        {
            "username" => Record with { Username = "mallory" },
            "record" => Record with { RecordJson = """{"eventName":"Encrypt"}""" },
            "time" => Record with { EventTime = Record.EventTime.AddSeconds(1) },
            _ => Record with { ResourceArns = [] },
        };
        var chain = new AuditChain(_ring);
        Assert.NotEqual(chain.Link(1, AuditChain.Genesis, 1, Record), chain.Link(1, AuditChain.Genesis, 1, altered));
    }

    [Fact]
    public void Link_DependsOnPreviousLinkAndSequence()
    {
        var chain = new AuditChain(_ring);
        var first = chain.Link(1, AuditChain.Genesis, 1, Record);
        Assert.NotEqual(first, chain.Link(1, first, 1, Record));
        Assert.NotEqual(first, chain.Link(1, AuditChain.Genesis, 2, Record));
    }

    [Fact]
    public void Link_IsNeitherThePlainSha256NorTheSameUnderAnotherRootKey()
    {
        // Whoever knows the format but not the root key can recompute the plain hash, and nothing else.
        var chain = new AuditChain(_ring);
        var link = chain.Link(1, AuditChain.Genesis, 1, Record);
        Assert.NotEqual(AuditChain.PlainLink(AuditChain.Genesis, 1, Record), link);
        Assert.NotEqual(new AuditChain(RootKeyRing.CreateNew()).Link(1, AuditChain.Genesis, 1, Record), link);

        var rotated = _ring.AddKey();
        Assert.Equal(link, new AuditChain(rotated).Link(1, AuditChain.Genesis, 1, Record));
        Assert.NotEqual(link, new AuditChain(rotated).Link(2, AuditChain.Genesis, 1, Record));
    }

    [Fact]
    public void IsSealOf_HeadWithFewerRecordsOrAnotherLastLink_IsFalse()
    {
        var chain = new AuditChain(_ring);
        var last = chain.Link(1, AuditChain.Genesis, 1, Record);
        var head = new AuditHead(10, last, Record.EventTime, 0, null, 1);
        var seal = chain.Seal(head);

        Assert.True(chain.IsSealOf(head, seal));
        Assert.False(chain.IsSealOf(head with { Records = 9 }, seal));
        Assert.False(chain.IsSealOf(head with { LastLink = AuditChain.Genesis }, seal));
        Assert.False(chain.IsSealOf(head with { Damage = "broken" }, seal));
        Assert.False(new AuditChain(RootKeyRing.CreateNew()).IsSealOf(head, seal));
    }
}
