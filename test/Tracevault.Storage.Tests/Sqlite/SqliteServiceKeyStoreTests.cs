using Microsoft.Data.Sqlite;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.RootKeys;
using Tracevault.Storage.Sqlite;

namespace Tracevault.Storage.Tests.Sqlite;

/// <summary>The service key's versions in a real SQLite file: shared by two openers as by a server and the CLI, sealed under the root key, re-sealed by its rotation.</summary>
public sealed class SqliteServiceKeyStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-service-keys-").FullName;

    private string DatabasePath => Path.Combine(_directory, "tracevault.db");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Rotate_ByAnotherOpenerOfTheFile_IsSeenAndOpened_AndKeptSealed()
    {
        var ring = RootKeyRing.CreateNew();
        var serving = new SqliteServiceKeyStore(new SqliteDatabase(DatabasePath), ring);
        var cli = new SqliteServiceKeyStore(new SqliteDatabase(DatabasePath), ring);

        Assert.Equal(1, serving.CurrentVersion());
        var added = cli.Rotate();

        Assert.Equal(2, added.Version);
        Assert.Equal(2, serving.CurrentVersion());
        var opened = serving.Find(2)!;
        var label = "tracevault/data-key/111122223333/default/2/20260301";
        Assert.Equal(added.Derive(label), opened.Derive(label));
        Assert.NotEqual(serving.Find(1)!.Derive(label), opened.Derive(label));
        Assert.Null(serving.Find(3));

        // At rest each version is a root-sealed blob bound to its version: neither opens as the other.
        var sealedKeys = SealedKeys();
        Assert.Equal([1, 2], sealedKeys.Keys.Order());
        Assert.Equal(ring.CurrentKeyId, RootKeyRing.SealingKeyId(sealedKeys[2]));
        Assert.Equal(32, ring.Open(sealedKeys[2], ServiceKey.SealingAssociatedData(2)).Length);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => ring.Open(sealedKeys[2], ServiceKey.SealingAssociatedData(1)));
    }

    [Fact]
    public async Task Rotate_FromTwoOpenersAtOnce_NumbersEveryVersionOnce()
    {
        var ring = RootKeyRing.CreateNew();
        var stores = new[] { new SqliteServiceKeyStore(new SqliteDatabase(DatabasePath), ring), new SqliteServiceKeyStore(new SqliteDatabase(DatabasePath), ring) };
        Assert.Equal(1, stores[0].CurrentVersion());

        var added = await Task.WhenAll(stores.Select(store => Task.Run(() => Enumerable.Range(0, 10).Select(_ => store.Rotate().Version).ToList())));

        Assert.Equal(Enumerable.Range(2, 20), added.SelectMany(v => v).Order());
        Assert.Equal(21, stores[1].CurrentVersion());
    }

    [Fact]
    public void RootKeyRotate_ResealsEveryServiceKeyVersion()
    {
        var rootKeyPath = Path.Combine(_directory, "root.key");
        var ring = RootKeyRing.CreateNew();
        ring.Save(rootKeyPath);
        var database = new SqliteDatabase(DatabasePath);
        var before = new SqliteServiceKeyStore(database, ring);
        before.CurrentVersion();
        before.Rotate();
        var label = "tracevault/trace-index/111122223333";
        var derived = new[] { before.Find(1)!.Derive(label), before.Find(2)!.Derive(label) };

        var (next, counts) = RootKeyRotation.Rotate(new RootKeyFile(rootKeyPath, passphrase: null), ring, new SqliteRootKeyStore(database), _ => { });

        Assert.Equal(2, counts.ServiceKeys);
        Assert.All(SealedKeys().Values, blob => Assert.Equal(next.CurrentKeyId, RootKeyRing.SealingKeyId(blob)));
        var after = new SqliteServiceKeyStore(database, next);
        Assert.Equal(derived, new[] { after.Find(1)!.Derive(label), after.Find(2)!.Derive(label) });
    }

    private Dictionary<int, byte[]> SealedKeys()
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, sealed_key FROM service_keys";
        using var reader = command.ExecuteReader();
        var keys = new Dictionary<int, byte[]>();
        while (reader.Read())
        {
            keys[reader.GetInt32(0)] = (byte[])reader[1];
        }

        return keys;
    }
}
