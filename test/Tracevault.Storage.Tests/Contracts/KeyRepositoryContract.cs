using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>KMS keys, versions, aliases and grants: a change commits only with its audit records, is seen by every opening once committed, and writers queue.</summary>
public abstract class KeyRepositoryContract : StorageContract
{
    private const string Account = "111122223333";
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private readonly RootKeyRing _rootKeys = RootKeyRing.CreateNew();
    private int _events;

    [Fact]
    public void Commit_AddsKeyWithItsRecords_SeenByAnotherOpening_AndNothingBeforeIt()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var other = Backend.OpenKeyRepository(_rootKeys);
        var (key, version) = NewKey("0a000000-0000-4000-8000-000000000001");
        var record = Event("CreateKey");

        using (var changes = node.BeginChanges())
        {
            changes.AddKey(key, version);
            Assert.Null(other.FindKey(key.KeyId));
            changes.Commit([record], null);
        }

        AssertSameKey(key, other.FindKey(key.KeyId));
        Assert.Equal([key.KeyId], other.ListKeys(Account).Select(k => k.KeyId));
        Assert.Empty(other.ListKeys("444455556666"));
        var stored = Assert.Single(other.ListVersions(key.KeyId));
        Assert.Equal((version.KeyId, version.Version, version.CreatedAt, version.RotationType), (stored.KeyId, stored.Version, stored.CreatedAt, stored.RotationType));
        Assert.Equal(version.SealedMaterial, stored.SealedMaterial);
        var audit = Backend.OpenAuditLog(_rootKeys);
        Assert.Equal([record.EventId], audit.Lookup(new AuditQuery(Account, null, null, null, null, 10, null)).Events.Select(e => e.EventId));
        Assert.True(audit.Verify().Verified);
    }

    [Fact]
    public void Changes_DisposedUncommitted_OrCommittedWithoutRecords_LeaveNothing()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (key, version) = NewKey("0a000000-0000-4000-8000-000000000002");
        using (var changes = node.BeginChanges())
        {
            changes.AddKey(key, version);
        }

        using (var changes = node.BeginChanges())
        {
            changes.AddKey(key, version);
            Assert.Throws<ArgumentException>(() => changes.Commit([], null));
        }

        Assert.Null(Backend.OpenKeyRepository(_rootKeys).FindKey(key.KeyId));
        Assert.Empty(node.ListVersions(key.KeyId));
        Assert.Equal(0, Backend.OpenAuditLog(_rootKeys).Verify().Records);

        // The lock the uncommitted changes held is free again.
        Add(node, key, version);
        Assert.NotNull(node.FindKey(key.KeyId));
    }

    [Fact]
    public void AppendRevision_KeepsEveryRevision_FindsTheNewest_AndVersionsInOrder()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (key, version) = NewKey("0a000000-0000-4000-8000-000000000003");
        Add(node, key, version);
        var disabled = key with { Revision = 2, State = KeyState.Disabled, RevisedAt = Start.AddMinutes(1) };
        var rotated = disabled with { Revision = 3, State = KeyState.Enabled, CurrentVersion = 2, RevisedAt = Start.AddMinutes(2), Policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" };
        var second = new KeyVersion(key.KeyId, 2, Sealed(key, 2), Start.AddMinutes(2), "ON_DEMAND");
        using (var changes = node.BeginChanges())
        {
            changes.AppendRevision(disabled, null);
            changes.AppendRevision(rotated, second);
            changes.Commit([Event("RotateKeyOnDemand")], new KeyUsageIncrement(Account, key.Arn, "2026-12", "RotateKeyOnDemand"));
        }

        var other = Backend.OpenKeyRepository(_rootKeys);
        AssertSameKey(rotated, other.FindKey(key.KeyId));
        Assert.Equal([1, 2], other.ListVersions(key.KeyId).Select(v => v.Version));
        Assert.Equal("ON_DEMAND", other.FindVersion(key.KeyId, 2)?.RotationType);
        Assert.Equal(second.SealedMaterial, other.FindVersion(key.KeyId, 2)?.SealedMaterial);
        Assert.Null(other.FindVersion(key.KeyId, 3));
        Assert.Null(other.FindKey("0a000000-0000-4000-8000-0000000000ff"));
        Assert.Equal(1, Assert.Single(Backend.OpenAuditLog(_rootKeys).ReadUsage(Account, null)).Requests);

        // Revisions are appended, never replaced: the same revision twice is refused.
        using var again = node.BeginChanges();
        Assert.ThrowsAny<System.Data.Common.DbException>(() => again.AppendRevision(rotated, null));
    }

    [Fact]
    public void ListKeysPendingDeletion_NamesKeysWhoseNewestRevisionIsPending_InEveryAccount()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (pending, v1) = NewKey("0a000000-0000-4000-8000-000000000004");
        var (cancelled, v2) = NewKey("0a000000-0000-4000-8000-000000000005");
        var (elsewhere, v3) = NewKey("0a000000-0000-4000-8000-000000000006", "444455556666");
        Add(node, pending, v1);
        Add(node, cancelled, v2);
        Add(node, elsewhere, v3);
        using (var changes = node.BeginChanges())
        {
            changes.AppendRevision(pending with { Revision = 2, State = KeyState.PendingDeletion, DeletionDate = Start.AddDays(7), PendingWindowInDays = 7 }, null);
            changes.AppendRevision(cancelled with { Revision = 2, State = KeyState.PendingDeletion, DeletionDate = Start.AddDays(7), PendingWindowInDays = 7 }, null);
            changes.AppendRevision(cancelled with { Revision = 3, State = KeyState.Disabled }, null);
            changes.AppendRevision(elsewhere with { Revision = 2, State = KeyState.PendingDeletion, DeletionDate = Start.AddDays(30), PendingWindowInDays = 30 }, null);
            changes.Commit([Event("ScheduleKeyDeletion")], null);
        }

        var listed = Backend.OpenKeyRepository(_rootKeys).ListKeysPendingDeletion();

        Assert.Equal([pending.KeyId, elsewhere.KeyId], listed.Select(k => k.KeyId).Order(StringComparer.Ordinal));
        Assert.All(listed, k => Assert.Equal(KeyState.PendingDeletion, k.State));
        Assert.Equal(Start.AddDays(7), listed.Single(k => k.KeyId == pending.KeyId).DeletionDate);
    }

    [Fact]
    public void Aliases_AddedOnce_Repointed_Deleted_ListedByName()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (first, v1) = NewKey("0a000000-0000-4000-8000-000000000007");
        var (second, v2) = NewKey("0a000000-0000-4000-8000-000000000008");
        Add(node, first, v1);
        Add(node, second, v2);
        var alias = new KmsAlias(Account, "alias/traces", first.KeyId, Start, Start);
        using (var changes = node.BeginChanges())
        {
            Assert.True(changes.TryAddAlias(alias));
            Assert.False(changes.TryAddAlias(alias with { TargetKeyId = second.KeyId }));
            Assert.True(changes.TryAddAlias(new KmsAlias(Account, "alias/Zebra", second.KeyId, Start, Start)));
            Assert.True(changes.TryAddAlias(new KmsAlias(Account, "alias/apple", second.KeyId, Start, Start)));
            changes.Commit([Event("CreateAlias")], null);
        }

        var other = Backend.OpenKeyRepository(_rootKeys);
        Assert.Equal(alias, other.FindAlias(Account, "alias/traces"));
        Assert.Equal(["alias/Zebra", "alias/apple", "alias/traces"], other.ListAliases(Account).Select(a => a.AliasName));
        Assert.Null(other.FindAlias("444455556666", "alias/traces"));

        using (var changes = node.BeginChanges())
        {
            changes.UpdateAlias(alias with { TargetKeyId = second.KeyId, LastUpdatedDate = Start.AddHours(1) });
            Assert.True(changes.DeleteAlias(Account, "alias/apple"));
            Assert.False(changes.DeleteAlias(Account, "alias/none"));
            changes.Commit([Event("UpdateAlias")], null);
        }

        Assert.Equal(alias with { TargetKeyId = second.KeyId, LastUpdatedDate = Start.AddHours(1) }, other.FindAlias(Account, "alias/traces"));
        Assert.Equal(["alias/Zebra", "alias/traces"], other.ListAliases(Account).Select(a => a.AliasName));
    }

    [Fact]
    public void Grants_Added_ListedOldestFirst_Deleted()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (key, version) = NewKey("0a000000-0000-4000-8000-000000000009");
        Add(node, key, version);
        var later = Grant(key, "b", Start.AddMinutes(2), new GrantConstraints(null, new Dictionary<string, string> { ["aws:xray:arn"] = "arn:aws:xray:us-east-1:111122223333:group/Default" }));
        var earlier = Grant(key, "a", Start.AddMinutes(1), null);
        using (var changes = node.BeginChanges())
        {
            changes.AddGrant(later);
            changes.AddGrant(earlier);
            changes.Commit([Event("CreateGrant")], null);
        }

        var other = Backend.OpenKeyRepository(_rootKeys);
        var grants = other.ListGrants(key.KeyId);
        Assert.Equal([earlier.GrantId, later.GrantId], grants.Select(g => g.GrantId));
        Assert.Equal(later.Operations, grants[1].Operations);
        Assert.Equal(later.Constraints!.EncryptionContextSubset, grants[1].Constraints!.EncryptionContextSubset);
        Assert.Equal((later.KeyArn, later.Name, later.CreationDate, later.GranteePrincipal, later.RetiringPrincipal, later.IssuingAccount),
            (grants[1].KeyArn, grants[1].Name, grants[1].CreationDate, grants[1].GranteePrincipal, grants[1].RetiringPrincipal, grants[1].IssuingAccount));

        using (var changes = node.BeginChanges())
        {
            Assert.True(changes.DeleteGrant(key.KeyId, earlier.GrantId));
            Assert.False(changes.DeleteGrant(key.KeyId, earlier.GrantId));
            changes.Commit([Event("RevokeGrant")], null);
        }

        Assert.Equal([later.GrantId], other.ListGrants(key.KeyId).Select(g => g.GrantId));
    }

    [Fact]
    public void GrantsByRetiringPrincipal_AcrossKeysAndAccounts_OldestFirst_OnlyThatPrincipals()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (mine, mineVersion) = NewKey("0a000000-0000-4000-8000-00000000000a");
        var (theirs, theirsVersion) = NewKey("0a000000-0000-4000-8000-00000000000b", "444455556666");
        Add(node, mine, mineVersion);
        Add(node, theirs, theirsVersion);
        const string retirer = "arn:aws:iam::111122223333:user/retirer";
        var first = Grant(theirs, "c", Start.AddMinutes(1), null) with { RetiringPrincipal = retirer };
        var second = Grant(mine, "d", Start.AddMinutes(2), null) with { RetiringPrincipal = retirer };
        var someoneElses = Grant(mine, "e", Start.AddMinutes(3), null) with { RetiringPrincipal = "arn:aws:iam::111122223333:user/other" };
        var none = Grant(mine, "f", Start.AddMinutes(4), null) with { RetiringPrincipal = null };
        using (var changes = node.BeginChanges())
        {
            changes.AddGrant(second);
            changes.AddGrant(someoneElses);
            changes.AddGrant(none);
            changes.AddGrant(first);
            changes.Commit([Event("CreateGrant")], null);
        }

        var other = Backend.OpenKeyRepository(_rootKeys);
        Assert.Equal([first.GrantId, second.GrantId], other.ListGrantsByRetiringPrincipal(retirer).Select(g => g.GrantId));
        Assert.Equal(theirs.Arn, other.ListGrantsByRetiringPrincipal(retirer)[0].KeyArn);
        Assert.Empty(other.ListGrantsByRetiringPrincipal("arn:aws:iam::111122223333:user/nobody"));
    }

    [Fact]
    public void DestroyKey_RemovesVersionsGrantsAliases_KeepsTheDeletedRevision_AndErasingLeavesNoCopyInTheTables()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (kept, keptVersion) = NewKey("0a000000-0000-4000-8000-00000000000a");
        var (key, version) = NewKey("0a000000-0000-4000-8000-00000000000b");
        Add(node, kept, keptVersion);
        Add(node, key, version);
        using (var changes = node.BeginChanges())
        {
            changes.AppendRevision(key with { Revision = 2, CurrentVersion = 2 }, new KeyVersion(key.KeyId, 2, Sealed(key, 2), Start, "AUTOMATIC"));
            changes.TryAddAlias(new KmsAlias(Account, "alias/doomed", key.KeyId, Start, Start));
            changes.AddGrant(Grant(key, "g", Start, null));
            changes.Commit([Event("CreateAlias")], null);
        }

        var material = node.ListVersions(key.KeyId).Select(v => v.SealedMaterial).ToList();
        Assert.All(material, m => Assert.True(Backend.TablesHold(m)));
        var deleted = key with { Revision = 3, State = KeyState.Deleted, CurrentVersion = 2 };
        using (var changes = node.BeginChanges())
        {
            changes.DestroyKey(deleted);
            changes.Commit([Event("DeleteKey")], null);
        }

        var other = Backend.OpenKeyRepository(_rootKeys);
        Assert.Equal(KeyState.Deleted, other.FindKey(key.KeyId)?.State);
        Assert.Empty(other.ListVersions(key.KeyId));
        Assert.Empty(other.ListGrants(key.KeyId));
        Assert.Null(other.FindAlias(Account, "alias/doomed"));
        Assert.Single(other.ListVersions(kept.KeyId));

        Assert.True(other.EraseDestroyedMaterial());

        Assert.All(material, m => Assert.False(Backend.TablesHold(m)));
        Assert.True(Backend.TablesHold(keptVersion.SealedMaterial));
        Assert.Equal(keptVersion.SealedMaterial, other.FindVersion(kept.KeyId, 1)?.SealedMaterial);
    }

    [Fact]
    public async Task Changes_FromTwoNodesAtOnce_QueueFromTheFirstChange_SoEachBuildsOnTheLast()
    {
        var nodes = new[] { Backend.OpenKeyRepository(_rootKeys), Backend.OpenKeyRepository(_rootKeys) };
        var (key, version) = NewKey("0a000000-0000-4000-8000-00000000000c");
        Add(nodes[0], key, version);
        const int Each = 15;

        // Each writer reads the newest revision once its changes have begun, and appends the next: had two begun at once,
        // both would append the same revision number and one would fail.
        await Task.WhenAll(nodes.SelectMany(node => new[] { node, node }).Select(node => Task.Run(() =>
        {
            for (var i = 0; i < Each; i++)
            {
                using var changes = node.BeginChanges();
                var current = node.FindKey(key.KeyId)!;
                changes.AppendRevision(current with { Revision = current.Revision + 1, Description = $"revision {current.Revision + 1}" }, null);
                changes.Commit([Event("UpdateKeyDescription")], null);
            }
        })));

        var newest = Backend.OpenKeyRepository(_rootKeys).FindKey(key.KeyId)!;
        Assert.Equal(1 + (4 * Each), newest.Revision);
        Assert.Equal($"revision {newest.Revision}", newest.Description);
        var verification = Backend.OpenAuditLog(_rootKeys).Verify();
        Assert.True(verification.Verified, verification.Problem);
        Assert.Equal(1 + (4 * Each), verification.Records);
    }

    [Fact]
    public void KeyService_OverTheStore_CreatesUsesRotatesAndDestroysKeys_WithAnUnbrokenTrail()
    {
        var clock = new FakeTimeProvider(Start);
        var admin = new Caller(Account, Caller.UserArn(Account, "admin"), "admin", "AKIAADMINXXXXXXXXXXX",
            [PolicyDocument.Parse("""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}""")]);
        var context = new Dictionary<string, string> { ["purpose"] = "contract" };
        var node1 = new KeyService(Backend.OpenKeyRepository(_rootKeys), Backend.OpenAuditLog(_rootKeys), _rootKeys, clock, new KmsOptions { Region = "us-east-1" });
        var node2 = new KeyService(Backend.OpenKeyRepository(_rootKeys), Backend.OpenAuditLog(_rootKeys), _rootKeys, clock, new KmsOptions { Region = "us-east-1" });

        var key = node1.CreateKey(admin, new CreateKeyRequest());
        node1.CreateAlias(admin, "alias/contract", key.KeyId);
        var blob = node1.Encrypt(admin, new EncryptRequest("alias/contract", "secret"u8.ToArray(), context)).CiphertextBlob;
        Assert.Equal("secret"u8.ToArray(), node2.Decrypt(admin, new DecryptRequest(blob, context)).Plaintext);
        node2.RotateKeyOnDemand(admin, key.KeyId);
        var afterRotation = node2.Encrypt(admin, new EncryptRequest(key.KeyId, "later"u8.ToArray(), context)).CiphertextBlob;
        Assert.Equal("secret"u8.ToArray(), node2.Decrypt(admin, new DecryptRequest(blob, context)).Plaintext);
        Assert.Equal("later"u8.ToArray(), node2.Decrypt(admin, new DecryptRequest(afterRotation, context)).Plaintext);

        node2.ScheduleKeyDeletion(admin, key.KeyId, 7);
        clock.Advance(TimeSpan.FromDays(8));
        Assert.Equal(1, node2.DestroyDueKeys());
        Assert.False(node2.ErasePending);

        Assert.Equal(KeyState.Deleted, Backend.OpenKeyRepository(_rootKeys).FindKey(key.KeyId)?.State);
        Assert.Empty(Backend.OpenKeyRepository(_rootKeys).ListVersions(key.KeyId));
        var verification = Backend.OpenAuditLog(_rootKeys).Verify();
        Assert.True(verification.Verified, verification.Problem);
        Assert.True(verification.Records >= 8, verification.Records.ToString(CultureInfo.InvariantCulture));
    }

    private static KmsGrant Grant(KmsKey key, string name, DateTimeOffset at, GrantConstraints? constraints) =>
        new(new string(name[0], 64), key.KeyId, key.Arn, name, at, "xray.amazonaws.com", "xray.amazonaws.com", $"arn:aws:iam::{Account}:root",
            ["GenerateDataKey", "Decrypt"], constraints);

    [Fact]
    public void ExternalKey_AddedWithoutMaterial_ImportedThenDeleted_KeepsGrantsAndAliases_AndErasingLeavesNoCopy()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (generated, _) = NewKey("0a000000-0000-4000-8000-00000000000d");
        var pending = generated with { State = KeyState.PendingImport, Origin = KeyOrigins.External };
        using (var changes = node.BeginChanges())
        {
            changes.AddKey(pending, null);
            changes.Commit([Event("CreateKey")], null);
        }

        var other = Backend.OpenKeyRepository(_rootKeys);
        AssertSameKey(pending, other.FindKey(pending.KeyId));
        Assert.Equal(KeyOrigins.External, other.FindKey(pending.KeyId)!.Origin);
        Assert.Empty(other.ListVersions(pending.KeyId));

        var check = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var imported = pending with { Revision = 2, State = KeyState.Enabled, ExpirationModel = "KEY_MATERIAL_EXPIRES", ValidTo = Start.AddDays(30), ImportedMaterialCheck = check };
        var version = new KeyVersion(pending.KeyId, 1, Sealed(pending, 1), Start, null);
        using (var changes = node.BeginChanges())
        {
            changes.AppendRevision(imported, version);
            changes.TryAddAlias(new KmsAlias(Account, "alias/imported", pending.KeyId, Start, Start));
            changes.AddGrant(Grant(pending, "g", Start, null));
            changes.Commit([Event("ImportKeyMaterial")], null);
        }

        var stored = other.FindKey(pending.KeyId)!;
        Assert.Equal((KeyState.Enabled, "KEY_MATERIAL_EXPIRES", Start.AddDays(30)), (stored.State, stored.ExpirationModel, stored.ValidTo));
        Assert.Equal(check, stored.ImportedMaterialCheck);
        Assert.True(Backend.TablesHold(version.SealedMaterial));

        var withoutMaterial = imported with { Revision = 3, State = KeyState.PendingImport, ExpirationModel = null, ValidTo = null };
        using (var changes = node.BeginChanges())
        {
            changes.DeleteMaterial(withoutMaterial);
            changes.Commit([Event("DeleteImportedKeyMaterial")], null);
        }

        stored = other.FindKey(pending.KeyId)!;
        Assert.Equal((KeyState.PendingImport, null, null, 3L), (stored.State, stored.ExpirationModel, stored.ValidTo, stored.Revision));
        Assert.Equal(check, stored.ImportedMaterialCheck);
        Assert.Empty(other.ListVersions(pending.KeyId));
        Assert.Null(other.FindVersion(pending.KeyId, 1));
        Assert.Single(other.ListGrants(pending.KeyId));
        Assert.Equal(pending.KeyId, other.FindAlias(Account, "alias/imported")?.TargetKeyId);

        Assert.True(other.EraseDestroyedMaterial());
        Assert.False(Backend.TablesHold(version.SealedMaterial));

        // The same material imported again takes its version back.
        var again = new KeyVersion(pending.KeyId, 1, Sealed(pending, 1), Start.AddDays(1), null);
        using (var changes = node.BeginChanges())
        {
            changes.AppendRevision(withoutMaterial with { Revision = 4, State = KeyState.Enabled, ExpirationModel = "KEY_MATERIAL_DOES_NOT_EXPIRE" }, again);
            changes.Commit([Event("ImportKeyMaterial")], null);
        }

        Assert.Equal(again.SealedMaterial, other.FindVersion(pending.KeyId, 1)?.SealedMaterial);
    }

    [Fact]
    public void ListKeysWithExpiringMaterial_NamesKeysWhoseNewestRevisionHasAValidTo_InEveryAccount()
    {
        var node = Backend.OpenKeyRepository(_rootKeys);
        var (expiring, v1) = NewKey("0a000000-0000-4000-8000-00000000000e");
        var (deleted, v2) = NewKey("0a000000-0000-4000-8000-00000000000f");
        var (elsewhere, v3) = NewKey("0a000000-0000-4000-8000-000000000010", "444455556666");
        var (generated, v4) = NewKey("0a000000-0000-4000-8000-000000000011");
        Add(node, expiring, v1);
        Add(node, deleted, v2);
        Add(node, elsewhere, v3);
        Add(node, generated, v4);
        using (var changes = node.BeginChanges())
        {
            changes.AppendRevision(expiring with { Revision = 2, Origin = KeyOrigins.External, ExpirationModel = "KEY_MATERIAL_EXPIRES", ValidTo = Start.AddHours(1) }, null);
            changes.AppendRevision(deleted with { Revision = 2, Origin = KeyOrigins.External, ExpirationModel = "KEY_MATERIAL_EXPIRES", ValidTo = Start.AddHours(1) }, null);
            changes.DeleteMaterial(deleted with { Revision = 3, Origin = KeyOrigins.External, State = KeyState.PendingImport });
            changes.AppendRevision(elsewhere with { Revision = 2, Origin = KeyOrigins.External, ExpirationModel = "KEY_MATERIAL_EXPIRES", ValidTo = Start.AddDays(2) }, null);
            changes.Commit([Event("ImportKeyMaterial")], null);
        }

        var listed = Backend.OpenKeyRepository(_rootKeys).ListKeysWithExpiringMaterial();

        Assert.Equal([expiring.KeyId, elsewhere.KeyId], listed.Select(k => k.KeyId).Order(StringComparer.Ordinal));
        Assert.Equal(Start.AddHours(1), listed.Single(k => k.KeyId == expiring.KeyId).ValidTo);
    }

    /// <summary>Compares two revisions field by field, the tags and public key (which a record compares by reference) by value; a symmetric key's null public key is stored as an empty one.</summary>
    private static void AssertSameKey(KmsKey expected, KmsKey? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected.PublicKey ?? [], actual.PublicKey ?? []);
        Assert.Equal(expected.ImportedMaterialCheck, actual.ImportedMaterialCheck);
        Assert.Equal(expected with { Tags = NoTags, PublicKey = null, ImportedMaterialCheck = null }, actual with { Tags = NoTags, PublicKey = null, ImportedMaterialCheck = null });
    }

    private static readonly IReadOnlyList<KmsTag> NoTags = [];

    private (KmsKey Key, KeyVersion Version) NewKey(string keyId, string account = Account)
    {
        var arn = $"arn:aws:kms:us-east-1:{account}:key/{keyId}";
        var key = new KmsKey(keyId, account, arn, 1, Start, "contract", "ENCRYPT_DECRYPT", KeySpecs.SymmetricDefault, "CUSTOMER", KeyState.Enabled,
            KeyService.DefaultPolicy(account), [new KmsTag("team", "traces")]) { RevisedAt = Start };
        return (key, new KeyVersion(keyId, 1, Sealed(key, 1), Start, null));
    }

    private byte[] Sealed(KmsKey key, int version) =>
        _rootKeys.Seal(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), KeyService.KeyMaterialAssociatedData(key.Arn, version));

    private void Add(IKeyRepository repository, KmsKey key, KeyVersion version)
    {
        using var changes = repository.BeginChanges();
        changes.AddKey(key, version);
        changes.Commit([Event("CreateKey")], null);
    }

    private AuditEvent Event(string name)
    {
        var n = Interlocked.Increment(ref _events);
        var id = string.Create(CultureInfo.InvariantCulture, $"00000000-0000-4000-8000-{n:D12}");
        return new AuditEvent(id, Account, Start.AddSeconds(n), "kms.amazonaws.com", name, false, "admin", "AKIAEXAMPLE", [], $$"""{"eventID":"{{id}}"}""");
    }
}
