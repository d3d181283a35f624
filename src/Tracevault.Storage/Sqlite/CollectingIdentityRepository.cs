using Tracevault.Keys.Identity;

namespace Tracevault.Storage.Sqlite;

/// <summary>Reads access keys from the database but keeps their re-sealed secrets, so they are written in the one transaction.</summary>
internal sealed class CollectingIdentityRepository(IIdentityRepository inner) : IIdentityRepository
{
    public List<(string AccessKeyId, byte[] SealedSecret)> Resealed { get; } = [];

    public IReadOnlyList<AccessKey> ListAccessKeys() => inner.ListAccessKeys();

    public void ResealAccessKey(string accessKeyId, byte[] sealedSecret) => Resealed.Add((accessKeyId, sealedSecret));

    public bool TryAddAccount(Account account) => throw new NotSupportedException();

    public IReadOnlyList<Account> ListAccounts() => throw new NotSupportedException();

    public Account? FindAccount(string accountId) => throw new NotSupportedException();

    public bool TryAddUser(User user) => throw new NotSupportedException();

    public User? FindUser(string accountId, string name) => throw new NotSupportedException();

    public IReadOnlyList<User> ListUsers(string? accountId) => throw new NotSupportedException();

    public void AddAccessKey(AccessKey key) => throw new NotSupportedException();

    public AccessKey? FindAccessKey(string accessKeyId) => throw new NotSupportedException();
}
