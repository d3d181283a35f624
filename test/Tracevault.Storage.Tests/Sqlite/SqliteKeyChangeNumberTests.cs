using Microsoft.Data.Sqlite;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;
using Tracevault.Storage.Sqlite;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The key repository's change number on a real SQLite file, read by a second opening as another node reads it.</summary>
public sealed class SqliteKeyChangeNumberTests : IDisposable
{
    private static readonly Caller Admin = new("111122223333", Caller.UserArn("111122223333", "admin"), "admin", "AKIAADMINXXXXXXXXXXX",
        [PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""")]);

    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-changes-").FullName;

    [Fact]
    public void EveryCommittedChange_GrowsTheNumber_AnotherOpeningReads_AndDiscardedChangesDoNot()
    {
        var rootKeys = RootKeyRing.CreateNew();
        var path = Path.Combine(_directory, SqliteBackend.FileName);
        var nodeA = SqliteBackend.Open(path, rootKeys);
        var nodeB = SqliteBackend.Open(path, rootKeys);
        var kms = new KeyService(nodeA.Keys, nodeA.Audit, rootKeys, TimeProvider.System, new KmsOptions { Region = "us-east-1" });
        var before = nodeB.Keys.ReadChangeNumber();

        var key = kms.CreateKey(Admin, new CreateKeyRequest());
        var created = nodeB.Keys.ReadChangeNumber();
        Assert.True(created > before);
        kms.DescribeKey(Admin, key.Arn);
        Assert.Equal(created, nodeB.Keys.ReadChangeNumber());
        using (var discarded = nodeA.Keys.BeginChanges())
        {
            discarded.AppendRevision(key with { Revision = 2, State = KeyState.Disabled }, null);
        }

        Assert.Equal(created, nodeB.Keys.ReadChangeNumber());
        kms.DisableKey(Admin, key.Arn);
        Assert.True(nodeB.Keys.ReadChangeNumber() > created);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
