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

    /// <summary>The first account and its administrator, as a server's first start makes them.</summary>
    internal static NewUser CreateAdmin(IdentityService identity) =>
        identity.CreateUser(identity.CreateAccount().Id, "admin", [IdentityService.AdministratorPolicy]);

    /// <summary>Another opening of the store, as by another process (the server, the CLI) or node.</summary>
    private IdentityService Open() => new(Backend.OpenIdentityRepository(_rootKeys), _rootKeys, TimeProvider.System);
}
