using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Storage.Postgres;

namespace Tracevault.Storage.Tests.Postgres;

/// <summary>The key repository's change number on a real PostgreSQL database, read by a second node.</summary>
public sealed class PostgresKeyChangeNumberTests : IDisposable
{
    private static readonly Caller Admin = new("111122223333", Caller.UserArn("111122223333", "admin"), "admin", "AKIAADMINXXXXXXXXXXX",
        [PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""")]);

    private readonly PostgresBackendUnderTest _backend = new();

    [Fact]
    public void EveryCommittedChange_GrowsTheNumber_AnotherNodeReads_AndDiscardedChangesDoNot()
    {
        var rootKeys = RootKeyRing.CreateNew();
        var nodeA = Open(rootKeys);
        var nodeB = Open(rootKeys);
        var kms = new KeyService(nodeA, new PostgresAuditLog(_backend.OpenDatabase(), new AuditChain(rootKeys)), rootKeys, TimeProvider.System, new KmsOptions { Region = "us-east-1" });
        var before = nodeB.ReadChangeNumber();

        var key = kms.CreateKey(Admin, new CreateKeyRequest());
        var created = nodeB.ReadChangeNumber();
        Assert.True(created > before);
        kms.DescribeKey(Admin, key.Arn);
        Assert.Equal(created, nodeB.ReadChangeNumber());
        using (var discarded = nodeA.BeginChanges())
        {
            discarded.AppendRevision(key with { Revision = 2, State = KeyState.Disabled }, null);
        }

        Assert.Equal(created, nodeB.ReadChangeNumber());
        kms.DisableKey(Admin, key.Arn);
        Assert.True(nodeB.ReadChangeNumber() > created);
    }

    public void Dispose() => _backend.Dispose();

    private PostgresKeyRepository Open(RootKeyRing rootKeys)
    {
        var database = _backend.OpenDatabase();
        return new PostgresKeyRepository(database, new PostgresAuditLog(database, new AuditChain(rootKeys)));
    }
}
