using System.Globalization;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>
/// What the store keeps sealed under the root keys and the root keys it expects: read before opening (so a node with a foreign
/// root key refuses), re-sealed whole by a rotation, and a retired root key forgotten only once nothing is sealed under it.
/// </summary>
public abstract class RootKeySealedStoreContract : StorageContract
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private int _events;

    [Fact]
    public void ReadBeforeOpening_EmptyStore_ExpectsNothing()
    {
        var stored = Backend.ReadRootKeysBeforeOpening();

        Assert.Empty(stored.Recorded);
        Assert.Empty(stored.Samples);
        RootKeyVerification.Verify(RootKeyRing.CreateNew(), stored);
    }

    [Fact]
    public void ReadBeforeOpening_AfterRecord_AcceptsTheRing_AndRefusesAnother()
    {
        var ring = RootKeyRing.CreateNew();
        var store = Backend.OpenRootKeySealedStore();
        store.Record(ring.Checks());
        store.Record(ring.Checks());

        var stored = Backend.ReadRootKeysBeforeOpening();

        Assert.Equal(ring.Checks().Select(c => (c.KeyId, Convert.ToHexString(c.Value))), stored.Recorded.Select(c => (c.KeyId, Convert.ToHexString(c.Value))));
        RootKeyVerification.Verify(ring, stored);
        Assert.Throws<RootKeyMismatchException>(() => RootKeyVerification.Verify(RootKeyRing.CreateNew(), stored));
    }

    [Fact]
    public void ReadBeforeOpening_SealedBlobsWithoutRecords_SamplesThem_SoAForeignRingIsRefused()
    {
        var ring = RootKeyRing.CreateNew();
        Backend.OpenServiceKeyStore(ring).CurrentVersion();

        var stored = Backend.ReadRootKeysBeforeOpening();

        Assert.Empty(stored.Recorded);
        Assert.Single(stored.Samples);
        RootKeyVerification.Verify(ring, stored);
        Assert.Throws<RootKeyMismatchException>(() => RootKeyVerification.Verify(RootKeyRing.CreateNew(), stored));
    }

    [Fact]
    public void RotateThenRetire_ResealsEveryBlob_RelinksTheTrail_AndForgetsTheOldKeyOnlyOnceNothingIsSealedUnderIt()
    {
        var directory = Directory.CreateTempSubdirectory("tracevault-root-keys-").FullName;
        try
        {
            var file = new RootKeyFile(Path.Combine(directory, "root.key"), passphrase: null);
            var ring = RootKeyRing.CreateNew();
            file.Save(ring);
            var store = Backend.OpenRootKeySealedStore();
            store.Record(ring.Checks());
            var keys = Backend.OpenKeyRepository(ring);
            var material = AddKey(keys, ring, "0b000000-0000-4000-8000-000000000001");
            Backend.OpenServiceKeyStore(ring).CurrentVersion();
            Backend.OpenAuditLog(ring).Append([Event("Decrypt")], null);
            Assert.Equal(2, store.CountSealed());
            var sealedUnderOldKey = Backend.OpenKeyRepository(ring).FindVersion("0b000000-0000-4000-8000-000000000001", 1)!.SealedMaterial;

            var (next, counts) = RootKeyRotation.Rotate(file, ring, Backend.OpenRootKeySealedStore(), _ => { });

            Assert.Equal((1, 0, 1), (counts.KeyVersions, counts.AccessKeys, counts.ServiceKeys));
            var version = Backend.OpenKeyRepository(next).FindVersion("0b000000-0000-4000-8000-000000000001", 1)!;
            Assert.Equal(next.CurrentKeyId, RootKeyRing.SealingKeyId(version.SealedMaterial));
            Assert.Equal(material, next.Open(version.SealedMaterial, KeyService.KeyMaterialAssociatedData(Arn("0b000000-0000-4000-8000-000000000001"), 1)));
            RootKeyVerification.Verify(next, Backend.ReadRootKeysBeforeOpening());
            Assert.Throws<RootKeyMismatchException>(() => RootKeyVerification.Verify(ring, Backend.ReadRootKeysBeforeOpening()));

            // A key added by a node that still holds only the old root key is sealed under it: retiring that key is refused.
            AddKey(Backend.OpenKeyRepository(ring), ring, "0b000000-0000-4000-8000-000000000002");
            Assert.Throws<RootKeyInUseException>(() => RootKeyRetirement.Retire(file, next, ring.CurrentKeyId, Backend.OpenRootKeySealedStore()));
            var second = RootKeyRotation.Rotate(file, next, Backend.OpenRootKeySealedStore(), _ => { });
            Assert.Equal((2, 0, 1), ToTuple(second.Counts));
            next = second.Ring;

            var retired = ring.CurrentKeyId;
            var (without, relinked) = RootKeyRetirement.Retire(file, next, retired, Backend.OpenRootKeySealedStore());

            Assert.True(relinked >= 1, relinked.ToString(CultureInfo.InvariantCulture));

            // What the retired key opens is gone from the tables, not only replaced in them.
            Assert.False(Backend.TablesHold(sealedUnderOldKey));
            Assert.DoesNotContain(retired, without.KeyIds);
            var verification = Backend.OpenAuditLog(without).Verify();
            Assert.True(verification.Verified, verification.Problem);
            Assert.DoesNotContain(Backend.ReadRootKeysBeforeOpening().Recorded, c => c.KeyId == retired);
            RootKeyVerification.Verify(without, Backend.ReadRootKeysBeforeOpening());
            Assert.Equal(material, without.Open(Backend.OpenKeyRepository(without).FindVersion("0b000000-0000-4000-8000-000000000001", 1)!.SealedMaterial,
                KeyService.KeyMaterialAssociatedData(Arn("0b000000-0000-4000-8000-000000000001"), 1)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static (int, int, int) ToTuple(RootKeyResealCounts counts) => (counts.KeyVersions, counts.AccessKeys, counts.ServiceKeys);

    private static string Arn(string keyId) => $"arn:aws:kms:us-east-1:{Account}:key/{keyId}";

    private byte[] AddKey(IKeyRepository repository, RootKeyRing ring, string keyId)
    {
        var material = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var key = new KmsKey(keyId, Account, Arn(keyId), 1, Start, "", "ENCRYPT_DECRYPT", KeySpecs.SymmetricDefault, "CUSTOMER", KeyState.Enabled,
            KeyService.DefaultPolicy(Account), []) { RevisedAt = Start };
        using var changes = repository.BeginChanges();
        changes.AddKey(key, new KeyVersion(keyId, 1, ring.Seal(material, KeyService.KeyMaterialAssociatedData(key.Arn, 1)), Start, null));
        changes.Commit([Event("CreateKey")], null);
        return material;
    }

    private AuditEvent Event(string name)
    {
        var n = Interlocked.Increment(ref _events);
        var id = string.Create(CultureInfo.InvariantCulture, $"00000000-0000-4000-8000-{n:D12}");
        return new AuditEvent(id, Account, Start.AddSeconds(n), "kms.amazonaws.com", name, false, "admin", "AKIAEXAMPLE", [], $$"""{"eventID":"{{id}}"}""");
    }
}
