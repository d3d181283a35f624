namespace Tracevault.Keys.Identity;

/// <summary>Where accounts, users and access keys are kept.</summary>
public interface IIdentityRepository
{
    /// <summary>Adds an account; returns false when the id is taken.</summary>
    bool TryAddAccount(Account account);

    /// <summary>Lists every account, oldest first.</summary>
    IReadOnlyList<Account> ListAccounts();

    /// <summary>Finds an account by id.</summary>
    Account? FindAccount(string accountId);

    /// <summary>Adds a user; returns false when the name is taken in its account.</summary>
    bool TryAddUser(User user);

    /// <summary>Finds a user by account and name.</summary>
    User? FindUser(string accountId, string name);

    /// <summary>Lists the users of every account, or of one.</summary>
    IReadOnlyList<User> ListUsers(string? accountId);

    /// <summary>Adds an access key.</summary>
    void AddAccessKey(AccessKey key);

    /// <summary>Finds an access key by its id.</summary>
    AccessKey? FindAccessKey(string accessKeyId);

    /// <summary>Lists every access key (their secrets stay sealed).</summary>
    IReadOnlyList<AccessKey> ListAccessKeys();
}
