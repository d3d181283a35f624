using Tracevault.Keys.Audit;

namespace Tracevault.Keys.Tests.Audit;

public sealed class AuditChainTests
{
    private static readonly AuditEvent Record = new("e1", "111122223333", DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), "kms.amazonaws.com", "Decrypt", true,
        "alice", "AKIAEXAMPLE", ["arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-44cd-96ef-1234567890ab"], """{"eventName":"Decrypt"}""");

    [Fact]
    public void Hash_SameRecord_IsStable() => Assert.Equal(AuditChain.Hash(AuditChain.Genesis, 1, Record), AuditChain.Hash(AuditChain.Genesis, 1, Record));

    [Theory]
    [InlineData("username")]
    [InlineData("record")]
    [InlineData("time")]
    [InlineData("resources")]
    public void Hash_AnyFieldChanged_Differs(string field)
    {
        var altered = field switch
        {
            "username" => Record with { Username = "mallory" },
            "record" => Record with { RecordJson = """{"eventName":"Encrypt"}""" },
            "time" => Record with { EventTime = Record.EventTime.AddSeconds(1) },
            _ => Record with { ResourceArns = [] },
        };
        Assert.NotEqual(AuditChain.Hash(AuditChain.Genesis, 1, Record), AuditChain.Hash(AuditChain.Genesis, 1, altered));
    }

    [Fact]
    public void Hash_DependsOnPreviousHashAndSequence()
    {
        var first = AuditChain.Hash(AuditChain.Genesis, 1, Record);
        Assert.NotEqual(first, AuditChain.Hash(first, 1, Record));
        Assert.NotEqual(first, AuditChain.Hash(AuditChain.Genesis, 2, Record));
    }
}
