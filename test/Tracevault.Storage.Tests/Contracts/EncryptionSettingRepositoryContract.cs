using Tracevault.Keys.Settings;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>Encryption settings, acknowledgements, heartbeats, wrapped data keys and storing status: shared by every opening (node) of the store.</summary>
public abstract class EncryptionSettingRepositoryContract : StorageContract
{
    private const string Account = "111122223333";
    private const string OtherAccount = "444455556666";
    private const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/0b7a1c4e-5d3f-4a8e-9c21-6f0d2e8b7a55";
    private const string OtherKeyArn = "arn:aws:kms:us-east-1:111122223333:key/9e8d7c6b-5a49-4382-b1f0-e1d2c3b4a596";
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_123);

    [Fact]
    public void TryAppend_VersionTakenAlready_IsRefusedAndTheFirstStays()
    {
        var node1 = Backend.OpenEncryptionSettingRepository();
        var node2 = Backend.OpenEncryptionSettingRepository();
        var first = new EncryptionSetting(Account, 1, EncryptionType.Kms, KeyArn, At, "arn:aws:iam::111122223333:user/admin");

        Assert.True(node1.TryAppend(first));
        Assert.False(node2.TryAppend(first with { Type = EncryptionType.None, KeyArn = null, ChangedBy = "arn:aws:iam::111122223333:user/bob" }));

        Assert.Equal(first, node2.FindCurrent(Account));
    }

    [Fact]
    public async Task TryAppend_TwoNodesRacingForTheSameVersion_ExactlyOneWins()
    {
        var nodes = new[] { Backend.OpenEncryptionSettingRepository(), Backend.OpenEncryptionSettingRepository() };
        for (var version = 1; version <= 20; version++)
        {
            using var start = new Barrier(nodes.Length);
            var attempts = nodes.Select((node, index) => Task.Run(() =>
            {
                var setting = new EncryptionSetting(Account, version, EncryptionType.Kms, index == 0 ? KeyArn : OtherKeyArn, At.AddSeconds(version), $"node{index}");
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                return (Won: node.TryAppend(setting), Setting: setting);
            })).ToArray();
            var results = await Task.WhenAll(attempts);

            var winner = Assert.Single(results, result => result.Won).Setting;
            Assert.All(nodes, node => Assert.Equal(winner, node.FindCurrent(Account)));
        }
    }

    [Fact]
    public void FindCurrent_AccountThatNeverChose_IsNull()
    {
        var node = Backend.OpenEncryptionSettingRepository();
        Assert.True(node.TryAppend(new EncryptionSetting(OtherAccount, 1, EncryptionType.None, null, At, "admin")));

        Assert.Null(node.FindCurrent(Account));
    }

    [Fact]
    public void ListCurrent_SeveralAccountsAndVersions_GivesTheNewestOfEachAsStored()
    {
        var node1 = Backend.OpenEncryptionSettingRepository();
        Assert.Empty(node1.ListCurrent());
        var kms = new EncryptionSetting(Account, 1, EncryptionType.Kms, KeyArn, At, "admin");
        var none = new EncryptionSetting(Account, 2, EncryptionType.None, null, At.AddMinutes(1), "bob");
        var other = new EncryptionSetting(OtherAccount, 1, EncryptionType.Kms, OtherKeyArn, At.AddMinutes(2), "carol");
        Assert.True(node1.TryAppend(kms));
        Assert.True(node1.TryAppend(none));
        Assert.True(node1.TryAppend(other));

        var node2 = Backend.OpenEncryptionSettingRepository();
        Assert.Equal([none, other], node2.ListCurrent().OrderBy(setting => setting.AccountId, StringComparer.Ordinal));
        Assert.Equal(none, node2.FindCurrent(Account));
    }

    [Fact]
    public void Acknowledge_ByTwoNodesAndTwice_CountsEachNodeOncePerVersion()
    {
        var node1 = Backend.OpenEncryptionSettingRepository();
        var node2 = Backend.OpenEncryptionSettingRepository();

        node1.Acknowledge(Account, 1, "node-1", At);
        node1.Acknowledge(Account, 1, "node-1", At.AddSeconds(1));
        node2.Acknowledge(Account, 1, "node-2", At);
        node2.Acknowledge(Account, 2, "node-2", At);
        node2.Acknowledge(OtherAccount, 1, "node-3", At);

        Assert.Equal(new HashSet<string> { "node-1", "node-2" }, node2.AcknowledgedBy(Account, 1).ToHashSet());
        Assert.Equal(new HashSet<string> { "node-2" }, node1.AcknowledgedBy(Account, 2).ToHashSet());
        Assert.Empty(node1.AcknowledgedBy(Account, 3));
    }

    [Fact]
    public void LiveNodes_AfterHeartbeats_AreTheNodesSeenSinceAndAHeartbeatMovesOn()
    {
        var node1 = Backend.OpenEncryptionSettingRepository();
        var node2 = Backend.OpenEncryptionSettingRepository();
        node1.Heartbeat("node-1", At);
        node2.Heartbeat("node-2", At.AddSeconds(10));

        Assert.Equal(new HashSet<string> { "node-1", "node-2" }, node1.LiveNodes(At).ToHashSet());
        Assert.Equal(new HashSet<string> { "node-2" }, node1.LiveNodes(At.AddMilliseconds(1)).ToHashSet());

        node1.Heartbeat("node-1", At.AddSeconds(20));
        Assert.Equal(new HashSet<string> { "node-1" }, node2.LiveNodes(At.AddSeconds(11)).ToHashSet());
    }

    [Fact]
    public async Task AddDataKey_ByTwoNodesAtOnce_GivesEveryKeyItsOwnIdAndFindsItAgain()
    {
        var nodes = new[] { Backend.OpenEncryptionSettingRepository(), Backend.OpenEncryptionSettingRepository() };
        using var start = new Barrier(nodes.Length);
        var adding = nodes.Select((node, index) => Task.Run(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            return Enumerable.Range(0, 25).Select(n => node.AddDataKey(Account, KeyArn, [(byte)index, (byte)n, 0xFF], At.AddSeconds(n), external: false)).ToList();
        })).ToArray();
        var keys = (await Task.WhenAll(adding)).SelectMany(added => added).ToList();

        Assert.Equal(keys.Count, keys.Select(key => key.Id).Distinct().Count());
        foreach (var key in keys)
        {
            var found = nodes[1 - key.CiphertextBlob[0]].FindDataKey(key.Id);
            Assert.NotNull(found);
            Assert.Equal((key.Id, key.AccountId, key.KeyArn, key.CreatedAt), (found.Id, found.AccountId, found.KeyArn, found.CreatedAt));
            Assert.Equal(key.CiphertextBlob, found.CiphertextBlob);
        }

        Assert.Null(nodes[0].FindDataKey(keys.Max(key => key.Id) + 1));
    }

    [Fact]
    public void TryAppend_WithExternalGrant_KeepsGrantIdAndToken_AndDataKeysKeepTheirExternalMark()
    {
        var repository = Backend.OpenEncryptionSettingRepository();
        const string externalArn = "arn:aws:kms:eu-west-1:444455556666:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        var external = new EncryptionSetting(Account, 1, EncryptionType.Kms, externalArn, At, "admin") { ExternalGrant = new Keys.External.ExternalGrant("0c237476b39f8bc44e45212e08498fbe3151305030726c0590dd8d3e9f3d6a60", "AQpAM2RhZTk1MGMyNTk2ZmZmMzEyYWVhOWViN2I1MWM4Mzc0MWFiYjc0ZDE1ODkyNGFlNTIzODZhMzgyZjBlNGY3NiKIAgEBAgB4") };
        Assert.True(repository.TryAppend(external));
        var builtIn = new EncryptionSetting(OtherAccount, 1, EncryptionType.Kms, KeyArn, At, "admin");
        Assert.True(repository.TryAppend(builtIn));

        var found = Backend.OpenEncryptionSettingRepository().FindCurrent(Account);
        Assert.NotNull(found);
        Assert.True(found.IsExternal);
        Assert.Equal(external.ExternalGrant, found.ExternalGrant);
        Assert.Equal(external.ExternalGrant, Backend.OpenEncryptionSettingRepository().ListCurrent().Single(s => s.AccountId == Account).ExternalGrant);
        Assert.Null(Backend.OpenEncryptionSettingRepository().FindCurrent(OtherAccount)!.ExternalGrant);

        var wrappedExternal = repository.AddDataKey(Account, externalArn, [1, 2, 3], At, external: true);
        var wrappedBuiltIn = repository.AddDataKey(OtherAccount, KeyArn, [4, 5, 6], At, external: false);
        Assert.True(Backend.OpenEncryptionSettingRepository().FindDataKey(wrappedExternal.Id)!.External);
        Assert.False(Backend.OpenEncryptionSettingRepository().FindDataKey(wrappedBuiltIn.Id)!.External);
    }

    [Fact]
    public void AddIndexedKey_AgainAndForAnotherAccount_ListsEachKeyOnceOldestFirst()
    {
        var node1 = Backend.OpenEncryptionSettingRepository();
        var node2 = Backend.OpenEncryptionSettingRepository();
        Assert.Empty(node1.ListIndexedKeys(Account));

        node1.AddIndexedKey(Account, OtherKeyArn, At);
        node2.AddIndexedKey(Account, KeyArn, At.AddSeconds(1));
        node2.AddIndexedKey(Account, OtherKeyArn, At.AddSeconds(2));
        node1.AddIndexedKey(OtherAccount, KeyArn, At);

        Assert.Equal([OtherKeyArn, KeyArn], node2.ListIndexedKeys(Account));
        Assert.Equal([KeyArn], node1.ListIndexedKeys(OtherAccount));
    }

    [Fact]
    public void SetStoringStatus_SetReplacedAndCleared_IsSeenByAnotherNode()
    {
        var node1 = Backend.OpenEncryptionSettingRepository();
        var node2 = Backend.OpenEncryptionSettingRepository();
        Assert.Null(node2.FindStoringStatus(Account));

        var disabled = new StoringStatus(Account, KeyArn, "The key is disabled.", At);
        node1.SetStoringStatus(Account, disabled);
        Assert.Equal(disabled, node2.FindStoringStatus(Account));

        var pending = new StoringStatus(Account, OtherKeyArn, "The key is pending deletion.", At.AddMinutes(1));
        node2.SetStoringStatus(Account, pending);
        Assert.Equal(pending, node1.FindStoringStatus(Account));
        Assert.Null(node1.FindStoringStatus(OtherAccount));

        node1.SetStoringStatus(Account, null);
        Assert.Null(node2.FindStoringStatus(Account));
    }
}
