using System.Text;
using System.Text.Json.Nodes;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Tests.RootKeys;

/// <summary>The root key file wrapped under a passphrase, and the retirement of old root keys.</summary>
public sealed class RootKeyFileTests : IDisposable
{
    private const string Passphrase = "correct horse battery staple";
    private static readonly byte[] Aad = "test/aad"u8.ToArray();

    private readonly string _directory = Directory.CreateTempSubdirectory("tracevault-rootkeyfile-").FullName;

    private string KeyPath => Path.Combine(_directory, "elsewhere.key");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Save_WithPassphrase_WritesNoKeyInTheClear_AndLoadsOnlyWithIt()
    {
        var ring = RootKeyRing.CreateNew().AddKey();
        new RootKeyFile(KeyPath, Passphrase).Save(ring);

        var json = JsonNode.Parse(File.ReadAllText(KeyPath))!.AsObject();
        Assert.Equal(2, json["formatVersion"]!.GetValue<int>());
        Assert.False(json.ContainsKey("keys"), "the keys are in the clear");
        Assert.Equal(RootKeyFile.Kdf, json["passphrase"]!["kdf"]!.GetValue<string>());
        Assert.Equal(600_000, json["passphrase"]!["iterations"]!.GetValue<int>());
        Assert.True(new RootKeyFile(KeyPath, null).IsWrappedOnDisk());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        }

        var loaded = new RootKeyFile(KeyPath, Passphrase).Load();
        Assert.Equal(ring.Checks().Select(c => Convert.ToHexString(c.Value)), loaded.Checks().Select(c => Convert.ToHexString(c.Value)));
        Assert.Equal("secret", Encoding.UTF8.GetString(loaded.Open(ring.Seal("secret"u8, Aad), Aad)));
    }

    [Fact]
    public void Save_ThroughASymbolicLink_RewritesTheFileItNames_AndKeepsTheLink()
    {
        var ring = RootKeyRing.CreateNew();
        ring.Save(KeyPath);
        var link = Path.Combine(_directory, "root.key");
        File.CreateSymbolicLink(link, KeyPath);

        new RootKeyFile(link, null).Save(ring.AddKey());

        Assert.Equal(KeyPath, new FileInfo(link).LinkTarget);
        Assert.Equal([1, 2], RootKeyRing.Load(KeyPath).KeyIds.Order());
    }

    [Fact]
    public void Load_WrongOrMissingPassphrase_RefusedSayingWhy()
    {
        new RootKeyFile(KeyPath, Passphrase).Save(RootKeyRing.CreateNew());

        Assert.Contains("does not open it", Assert.Throws<RootKeyPassphraseException>(() => new RootKeyFile(KeyPath, "not the passphrase").Load()).Message, StringComparison.Ordinal);
        Assert.Contains("none was given", Assert.Throws<RootKeyPassphraseException>(() => new RootKeyFile(KeyPath, null).Load()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PlainFileWithAPassphrase_Refused()
    {
        RootKeyRing.CreateNew().Save(KeyPath);

        var error = Assert.Throws<RootKeyPassphraseException>(() => new RootKeyFile(KeyPath, Passphrase).Load());
        Assert.Contains("not wrapped", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WeakenedOrAlteredKdfParameters_Refused()
    {
        new RootKeyFile(KeyPath, Passphrase).Save(RootKeyRing.CreateNew());
        var original = File.ReadAllText(KeyPath);

        // Fewer iterations than Tracevault writes: refused before any key is derived.
        var weakened = JsonNode.Parse(original)!;
        weakened["passphrase"]!["iterations"] = 1000;
        File.WriteAllText(KeyPath, weakened.ToJsonString());
        Assert.Throws<InvalidDataException>(() => new RootKeyFile(KeyPath, Passphrase).Load());

        // More iterations than written: the parameters are bound to the sealed keys, so the file no longer opens.
        var altered = JsonNode.Parse(original)!;
        altered["passphrase"]!["iterations"] = 600_001;
        File.WriteAllText(KeyPath, altered.ToJsonString());
        Assert.Throws<RootKeyPassphraseException>(() => new RootKeyFile(KeyPath, Passphrase).Load());
    }

    [Fact]
    public void Rotate_WrappedFile_WritesTheNewRingWrappedTheSameWay()
    {
        var ring = RootKeyRing.CreateNew();
        var file = new RootKeyFile(KeyPath, Passphrase);
        file.Save(ring);
        var store = new EphemeralRootKeySealedStore();
        store.Record(ring.Checks());
        store.Blobs.Add(new RootSealedBlob(ring.Seal("secret"u8, Aad), Aad));

        RootKeyRotation.Rotate(file, ring, store, _ => { });

        Assert.True(new RootKeyFile(KeyPath, null).IsWrappedOnDisk());
        Assert.Equal([1, 2], new RootKeyFile(KeyPath, Passphrase).Load().KeyIds.Order());
    }

    [Fact]
    public void Retire_CurrentKeyOrAKeyStillSealingOrOneNotHeld_RefusedAndTheFileUnchanged()
    {
        var first = RootKeyRing.CreateNew();
        var ring = first.AddKey();
        var file = new RootKeyFile(KeyPath, Passphrase);
        file.Save(ring);
        var before = File.ReadAllBytes(KeyPath);
        var store = new EphemeralRootKeySealedStore();
        store.Record(ring.Checks());
        store.Blobs.Add(new RootSealedBlob(first.Seal("secret"u8, Aad), Aad));

        Assert.Contains("current root key", Assert.Throws<RootKeyInUseException>(() => RootKeyRetirement.Retire(file, ring, 2, store)).Message, StringComparison.Ordinal);
        Assert.Contains("still seals 1", Assert.Throws<RootKeyInUseException>(() => RootKeyRetirement.Retire(file, ring, 1, store)).Message, StringComparison.Ordinal);
        Assert.Contains("holds no root key 7", Assert.Throws<RootKeyInUseException>(() => RootKeyRetirement.Retire(file, ring, 7, store)).Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(KeyPath));
        Assert.Equal([1, 2], store.Recorded.Keys.Order());
    }

    [Fact]
    public void Retire_AfterRotation_RemovesTheKeyFromFileAndStore_WhatWasSealedStillOpens()
    {
        var ring = RootKeyRing.CreateNew();
        var file = new RootKeyFile(KeyPath, Passphrase);
        file.Save(ring);
        var store = new EphemeralRootKeySealedStore();
        store.Record(ring.Checks());
        store.Blobs.Add(new RootSealedBlob(ring.Seal("secret"u8, Aad), Aad));
        var (rotated, _) = RootKeyRotation.Rotate(file, ring, store, _ => { });

        var (retired, _) = RootKeyRetirement.Retire(file, rotated, 1, store);

        var onDisk = new RootKeyFile(KeyPath, Passphrase).Load();
        Assert.Equal([2], onDisk.KeyIds);
        Assert.Equal([2], retired.KeyIds);
        Assert.Equal([2], store.Recorded.Keys);
        RootKeyVerification.Verify(onDisk, store.Stored());
        Assert.Equal("secret", Encoding.UTF8.GetString(onDisk.Open(store.Blobs[0].Sealed, Aad)));
        Assert.Throws<System.Security.Cryptography.CryptographicException>(() => ring.Open(store.Blobs[0].Sealed, Aad));
    }
}
