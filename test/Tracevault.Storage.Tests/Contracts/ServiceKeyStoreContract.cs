using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>The service key's versions: made once, numbered once however many openings rotate at once, seen by every opening, re-sealed by a root-key rotation.</summary>
public abstract class ServiceKeyStoreContract : StorageContract
{
    private const string Label = "tracevault/data-key/111122223333/default/2/20260301";

    [Fact]
    public void Rotate_ByAnotherOpening_IsSeenAndOpened()
    {
        var ring = RootKeyRing.CreateNew();
        var serving = Backend.OpenServiceKeyStore(ring);
        var cli = Backend.OpenServiceKeyStore(ring);

        Assert.Equal(1, serving.CurrentVersion());
        Assert.Equal(1, cli.CurrentVersion());
        var added = cli.Rotate();

        Assert.Equal(2, added.Version);
        Assert.Equal(2, serving.CurrentVersion());
        var opened = serving.Find(2)!;
        Assert.Equal(added.Derive(Label), opened.Derive(Label));
        Assert.NotEqual(serving.Find(1)!.Derive(Label), opened.Derive(Label));
        Assert.Equal(cli.Find(1)!.Derive(Label), serving.Find(1)!.Derive(Label));
        Assert.Null(serving.Find(3));
    }

    [Fact]
    public async Task CurrentVersionAndRotate_FromTwoOpeningsAtOnce_MakeOneFirstVersion_AndNumberEveryVersionOnce()
    {
        var ring = RootKeyRing.CreateNew();
        var stores = new[] { Backend.OpenServiceKeyStore(ring), Backend.OpenServiceKeyStore(ring) };

        var first = await Task.WhenAll(stores.Select(store => Task.Run(() => (store.CurrentVersion(), store.Find(1)!.Derive(Label)))));
        Assert.All(first, f => Assert.Equal(1, f.Item1));
        Assert.Equal(first[0].Item2, first[1].Item2);

        var added = await Task.WhenAll(stores.Select(store => Task.Run(() => Enumerable.Range(0, 10).Select(_ => store.Rotate().Version).ToList())));

        Assert.Equal(Enumerable.Range(2, 20), added.SelectMany(v => v).Order());
        Assert.Equal(21, stores[1].CurrentVersion());
    }

    [Fact]
    public void RootKeyRotate_ResealsEveryVersion_WhichOpensAlikeUnderTheNewRing()
    {
        var directory = Directory.CreateTempSubdirectory("tracevault-service-keys-").FullName;
        try
        {
            var rootKeyPath = Path.Combine(directory, "root.key");
            var ring = RootKeyRing.CreateNew();
            ring.Save(rootKeyPath);
            var before = Backend.OpenServiceKeyStore(ring);
            before.CurrentVersion();
            before.Rotate();
            var derived = new[] { before.Find(1)!.Derive(Label), before.Find(2)!.Derive(Label) };

            var (next, counts) = RootKeyRotation.Rotate(new RootKeyFile(rootKeyPath, passphrase: null), ring, Backend.OpenRootKeySealedStore(), _ => { });

            Assert.Equal(2, counts.ServiceKeys);
            var after = Backend.OpenServiceKeyStore(next.WithoutKey(ring.CurrentKeyId));
            Assert.Equal(derived, new[] { after.Find(1)!.Derive(Label), after.Find(2)!.Derive(Label) });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
