using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Storage.Tests.Contracts;

/// <summary>Changes to users and access keys: seen by every opening of the store at once.</summary>
public abstract class IdentityRepositoryContract : StorageContract
{
    private readonly RootKeyRing _rootKeys = RootKeyRing.CreateNew();

    [Fact]
    public void FindCredentials_KeyDeactivatedThroughAnotherOpening_IsRefusedAtOnce()
    {
        var server = Open();
        var admin = CreateAdmin(server);
        var alice = server.CreateUser(admin.User.AccountId, "alice", [IdentityService.AdministratorPolicy]);
        Assert.NotNull(server.FindCredentials(alice.AccessKeyId));
        Assert.DoesNotContain(alice.SecretAccessKey, alice.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(alice.SecretAccessKey, server.FindCredentials(alice.AccessKeyId)!.ToString(), StringComparison.Ordinal);

        // Another process (the CLI) opens the same store and deactivates the key the server has used.
        var cli = Open();
        cli.SetAccessKeyStatus(alice.AccessKeyId, AccessKeyStatus.Inactive, force: false);
        Assert.Null(server.FindCredentials(alice.AccessKeyId));

        cli.SetAccessKeyStatus(alice.AccessKeyId, AccessKeyStatus.Active, force: false);
        Assert.Equal(alice.SecretAccessKey, server.FindCredentials(alice.AccessKeyId)?.SecretAccessKey);

        cli.UpdateUserPolicies(admin.User.AccountId, "alice", ["""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListKeys","Resource":"*"}]}"""], force: false);
        var updated = server.FindCredentials(alice.AccessKeyId)!;
        Assert.Equal("kms:ListKeys", Assert.Single(Assert.Single(updated.Policies).Statements).Actions!.Single());

        var second = cli.CreateAccessKey(admin.User.AccountId, "alice");
        Assert.DoesNotContain(second.SecretAccessKey, second.ToString(), StringComparison.Ordinal);
        Assert.Equal(second.SecretAccessKey, server.FindCredentials(second.Key.AccessKeyId)?.SecretAccessKey);

        cli.DeleteAccessKey(alice.AccessKeyId, force: false);
        Assert.Null(server.FindCredentials(alice.AccessKeyId));
        Assert.Null(server.FindAccessKey(alice.AccessKeyId));
    }

    [Fact]
    public async Task DeleteAccessKey_TwoAdministratorsDeletingEachOthersLastKeyThroughTwoOpeningsAtOnce_OneIsRefused()
    {
        // Each change reads the account's administrators and keys, then deletes: unless changes through every opening (process,
        // node) queue behind each other from their first read, both see the other administrator remain and the account is locked out.
        var nodes = new[] { Open(), Open() };
        for (var round = 0; round < 10; round++)
        {
            var first = CreateAdmin(nodes[0]);
            var second = nodes[0].CreateUser(first.User.AccountId, "second", [IdentityService.AdministratorPolicy]);
            using var start = new Barrier(2);
            var deletions = new[] { (Node: nodes[0], Key: second.AccessKeyId), (Node: nodes[1], Key: first.AccessKeyId) }.Select(deletion => Task.Run(() =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(30));
                try
                {
                    deletion.Node.DeleteAccessKey(deletion.Key, force: false);
                    return true;
                }
                catch (IdentityLockoutException)
                {
                    return false;
                }
            })).ToArray();

            var deleted = await Task.WhenAll(deletions);

            Assert.Single(deleted, done => done);
            Assert.Single(new[] { first.AccessKeyId, second.AccessKeyId }, key => nodes[1].FindCredentials(key) is not null);
        }

        var trail = Backend.OpenAuditLog(_rootKeys).Verify();
        Assert.True(trail.Verified, trail.Problem);
    }

    [Fact]
    public void BeginChanges_DisposedOrCommitted_KeepsNeitherOrBothTheChangeAndItsAuditRecord()
    {
        var server = Open();
        var admin = CreateAdmin(server);
        var account = admin.User.AccountId;
        server.CreateUser(account, "bob", []);
        var trail = Backend.OpenAuditLog(_rootKeys);
        var recorded = trail.Verify().Records;
        const string ListKeys = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:ListKeys","Resource":"*"}]}""";

        using (var abandoned = Backend.OpenIdentityRepository(_rootKeys).BeginChanges())
        {
            abandoned.SetUserPolicies(account, "bob", [ListKeys]);
        }

        Assert.Empty(Backend.OpenIdentityRepository(_rootKeys).FindUser(account, "bob")!.PolicyDocuments);
        Assert.Equal(recorded, trail.Verify().Records);

        Open().UpdateUserPolicies(account, "bob", [ListKeys], force: false);

        Assert.Equal([ListKeys], Backend.OpenIdentityRepository(_rootKeys).FindUser(account, "bob")!.PolicyDocuments);
        var verification = trail.Verify();
        Assert.True(verification.Verified, verification.Problem);
        Assert.Equal(recorded + 1, verification.Records);
        var newest = trail.Lookup(new AuditQuery(account, "EventName", "PutUserPolicy", null, null, 1, null)).Events[0];
        Assert.Contains("\"userName\":\"bob\"", newest.RecordJson, StringComparison.Ordinal);
        Assert.Contains("kms:ListKeys", newest.RecordJson, StringComparison.Ordinal);
    }

    /// <summary>The first account and its administrator, as a server's first start makes them.</summary>
    internal static NewUser CreateAdmin(IdentityService identity) =>
        identity.CreateUser(identity.CreateAccount().Id, "admin", [IdentityService.AdministratorPolicy]);

    /// <summary>Another opening of the store, as by another process (the server, the CLI) or node.</summary>
    private IdentityService Open() => new(Backend.OpenIdentityRepository(_rootKeys), _rootKeys, TimeProvider.System);
}
