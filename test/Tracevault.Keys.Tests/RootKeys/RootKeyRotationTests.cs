using System.Security.Cryptography;
using System.Text;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Tests.RootKeys;

/// <summary>Root-key checks, verification and the order of a rotation's steps.</summary>
public sealed class RootKeyRotationTests : IDisposable
{
    private static readonly byte[] Aad = "test/aad"u8.ToArray();

    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-rootkeys-").FullName;

    private string RootKeyPath => Path.Combine(_directory, "root.key");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Verify_RingThatRecordedItsChecks_Passes()
    {
        var ring = RootKeyRing.CreateNew();
        RootKeyVerification.Verify(ring, new StoredRootKeys(ring.Checks(), []));
    }

    [Fact]
    public void Verify_AnotherRing_ThrowsNamingTheKey()
    {
        var recorded = RootKeyRing.CreateNew().Checks();
        var error = Assert.Throws<RootKeyMismatchException>(() => RootKeyVerification.Verify(RootKeyRing.CreateNew(), new StoredRootKeys(recorded, [])));
        Assert.Contains("root key 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RingWithoutARecordedKey_Throws()
    {
        var old = RootKeyRing.CreateNew();
        var error = Assert.Throws<RootKeyMismatchException>(() => RootKeyVerification.Verify(old, new StoredRootKeys(old.AddKey().Checks(), [])));
        Assert.Contains("lacks root key 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NothingRecorded_OpensSamplesOrThrows()
    {
        var ring = RootKeyRing.CreateNew();
        var samples = new[] { new RootSealedBlob(ring.Seal("secret"u8, Aad), Aad) };
        RootKeyVerification.Verify(ring, new StoredRootKeys([], samples));
        Assert.Throws<RootKeyMismatchException>(() => RootKeyVerification.Verify(RootKeyRing.CreateNew(), new StoredRootKeys([], samples)));
    }

    [Fact]
    public void Checks_NameTheKeyWithoutRevealingIt()
    {
        var ring = RootKeyRing.CreateNew();
        ring.Save(RootKeyPath);
        var key = Convert.FromBase64String(System.Text.Json.JsonDocument.Parse(File.ReadAllText(RootKeyPath)).RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!);
        var check = Assert.Single(ring.Checks());
        Assert.Equal(1, check.KeyId);
        Assert.Equal(HMACSHA256.HashData(key, "tracevault/root-key-check/v1"u8), check.Value);
        Assert.NotEqual(key, check.Value);
        Assert.Equal(check.Value, RootKeyRing.Load(RootKeyPath).Checks()[0].Value);
    }

    [Fact]
    public void Rotate_WritesTheNewRingBeforeTheStoreReseals_AndRecordsTheNewKey()
    {
        var ring = RootKeyRing.CreateNew();
        ring.Save(RootKeyPath);
        var store = new EphemeralRootKeySealedStore();
        store.Record(ring.Checks());
        store.Blobs.Add(new RootSealedBlob(ring.Seal("secret"u8, Aad), Aad));
        var steps = new List<RootKeyRotationStep>();
        store.OnReseal = () => Assert.Equal([1, 2], RootKeyRing.Load(RootKeyPath).KeyIds.Order());

        var (next, _) = RootKeyRotation.Rotate(new RootKeyFile(RootKeyPath, null), ring, store, steps.Add);

        Assert.Equal([RootKeyRotationStep.NewRingWritten, RootKeyRotationStep.NewRingInPlace, RootKeyRotationStep.Resealed, RootKeyRotationStep.Committed], steps);
        Assert.Equal(2, RootKeyRing.SealingKeyId(store.Blobs[0].Sealed));
        Assert.Equal("secret", Encoding.UTF8.GetString(RootKeyRing.Load(RootKeyPath).Open(store.Blobs[0].Sealed, Aad)));
        RootKeyVerification.Verify(RootKeyRing.Load(RootKeyPath), store.Stored());
        Assert.Equal([1, 2], store.Recorded.Keys.Order());
        Assert.Equal(2, next.CurrentKeyId);
        Assert.False(File.Exists(RootKeyPath + ".tmp"));
    }

    [Fact]
    public void Rotate_ReSealThatDoesNotCommit_LeavesAFileThatOpensEverything()
    {
        var ring = RootKeyRing.CreateNew();
        ring.Save(RootKeyPath);
        var store = new EphemeralRootKeySealedStore { FailBeforeCommit = true };
        store.Record(ring.Checks());
        store.Blobs.Add(new RootSealedBlob(ring.Seal("secret"u8, Aad), Aad));

        Assert.Throws<IOException>(() => RootKeyRotation.Rotate(new RootKeyFile(RootKeyPath, null), ring, store, _ => { }));

        var onDisk = RootKeyRing.Load(RootKeyPath);
        RootKeyVerification.Verify(onDisk, store.Stored());
        Assert.Equal("secret", Encoding.UTF8.GetString(onDisk.Open(store.Blobs[0].Sealed, Aad)));
    }
}
