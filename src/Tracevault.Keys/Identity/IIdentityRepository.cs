namespace Tracevault.Keys.Identity;

/// <summary>Where accounts, users and access keys are kept; users and keys change only through <see cref="BeginChanges"/>, so none changes without its audit record.</summary>
public interface IIdentityRepository
{
    /// <summary>Adds an account; returns false when the id is taken.</summary>
    bool TryAddAccount(Account account);

    /// <summary>Lists every account, oldest first.</summary>
    IReadOnlyList<Account> ListAccounts();

    /// <summary>Finds an account by id.</summary>
    Account? FindAccount(string accountId);

    /// <summary>Finds a user by account and name.</summary>
    User? FindUser(string accountId, string name);

    /// <summary>Lists the users of every account, or of one.</summary>
    IReadOnlyList<User> ListUsers(string? accountId);

    /// <summary>Finds an access key by its id.</summary>
    AccessKey? FindAccessKey(string accessKeyId);

    /// <summary>Finds an access key with its user, as committed now (one read, never cached), or null when there is no such key.</summary>
    AccessKeyHolder? FindAccessKeyHolder(string accessKeyId);

    /// <summary>Lists every access key (their secrets stay sealed).</summary>
    IReadOnlyList<AccessKey> ListAccessKeys();

    /// <summary>Begins a change to users and access keys.</summary>
    IIdentityChanges BeginChanges();
}
