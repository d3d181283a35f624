using Tracevault.Keys.Audit;

namespace Tracevault.Keys.Identity;

/// <summary>One change to users and access keys: committed together with its audit records, or not at all.</summary>
/// <remarks>
/// Begun by <see cref="IIdentityRepository.BeginChanges"/>; writers (in this and other processes) are serialized from the
/// start until <see cref="Commit"/> or disposal, so what it reads stays true until it commits. Disposing without committing
/// discards every change. One instance serves one call on one thread.
/// </remarks>
public interface IIdentityChanges : IDisposable
{
    /// <summary>Finds a user by account and name.</summary>
    User? FindUser(string accountId, string name);

    /// <summary>Lists the users of an account.</summary>
    IReadOnlyList<User> ListUsers(string accountId);

    /// <summary>Finds an access key by its id.</summary>
    AccessKey? FindAccessKey(string accessKeyId);

    /// <summary>Lists the access keys of an account's users, oldest first.</summary>
    IReadOnlyList<AccessKey> ListAccessKeys(string accountId);

    /// <summary>Adds a user; returns false when the name is taken in its account.</summary>
    bool TryAddUser(User user);

    /// <summary>Adds an access key.</summary>
    void AddAccessKey(AccessKey key);

    /// <summary>Sets an access key's status.</summary>
    void SetAccessKeyStatus(string accessKeyId, AccessKeyStatus status);

    /// <summary>Deletes an access key and its sealed secret.</summary>
    void DeleteAccessKey(string accessKeyId);

    /// <summary>Replaces the policy documents attached to a user.</summary>
    void SetUserPolicies(string accountId, string name, IReadOnlyList<string> policyDocuments);

    /// <summary>Deletes a user and every access key it has.</summary>
    void DeleteUser(string accountId, string name);

    /// <summary>Appends the change's audit records (chained and sealed as <see cref="IAuditLog.Append"/> does) and commits them with the change in one transaction.</summary>
    void Commit(IReadOnlyList<AuditEvent> events);
}
