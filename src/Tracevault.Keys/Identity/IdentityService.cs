using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Tracevault.Core;
using Tracevault.Core.Policies;
using Tracevault.Keys.Audit;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Identity;

/// <summary>Creates and changes accounts, users and access keys, and finds the credentials a signed request names.</summary>
/// <remarks>
/// Thread-safe. Every change to users and keys commits with its IAM audit record (<see cref="IamAuditRecord"/>). A key's
/// status and its user are read from the repository on every lookup, so a key deactivated or deleted by another process is
/// refused at once; only the opened secret and the parsed policies are cached, and only while the user is unchanged.
/// </remarks>
public sealed class IdentityService
{
    /// <summary>The policy attached to an account's admin user: everything in its account.</summary>
    public const string AdministratorPolicy = """{"Version":"2012-10-17","Statement":[{"Sid":"AdministratorAccess","Effect":"Allow","Action":"*","Resource":"*"}]}""";

    /// <summary>The most access keys a user may have, IAM's quota <c>AccessKeysPerUser</c>.</summary>
    public const int MaxAccessKeysPerUser = 2;

    private const string AccessKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> EmptyContext = new Dictionary<string, IReadOnlyList<string>>();

    private readonly IIdentityRepository _repository;
    private readonly RootKeyRing _rootKeys;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Credentials> _credentials = new(StringComparer.Ordinal);

    /// <summary>Creates the service over a repository and the root keys that seal secrets.</summary>
    public IdentityService(IIdentityRepository repository, RootKeyRing rootKeys, TimeProvider time)
    {
        _repository = repository;
        _rootKeys = rootKeys;
        _time = time;
    }

    /// <summary>Creates an account with a random 12-digit id.</summary>
    public Account CreateAccount()
    {
        while (true)
        {
            var id = RandomNumberGenerator.GetInt32(1, 10).ToString(CultureInfo.InvariantCulture) + Ids.NewString(11, "0123456789");
            var account = new Account(id, _time.GetUtcNow());
            if (_repository.TryAddAccount(account))
            {
                return account;
            }
        }
    }

    /// <summary>Lists every account.</summary>
    public IReadOnlyList<Account> ListAccounts() => _repository.ListAccounts();

    /// <summary>Finds an account.</summary>
    public Account? FindAccount(string accountId) => _repository.FindAccount(accountId);

    /// <summary>Lists users, of one account or of all.</summary>
    public IReadOnlyList<User> ListUsers(string? accountId = null) => _repository.ListUsers(accountId);

    /// <summary>Lists every access key id with the user it belongs to and its status.</summary>
    public IReadOnlyList<AccessKey> ListAccessKeys() => _repository.ListAccessKeys();

    /// <summary>Finds an access key (its secret stays sealed).</summary>
    public AccessKey? FindAccessKey(string accessKeyId) => _repository.FindAccessKey(accessKeyId);

    /// <summary>Creates a user with an access key; the policy documents are validated first. Recorded as <c>CreateUser</c>, <c>PutUserPolicy</c> per policy and <c>CreateAccessKey</c>.</summary>
    /// <exception cref="PolicyFormatException">A policy document is malformed.</exception>
    /// <exception cref="InvalidOperationException">The account does not exist or the name is taken.</exception>
    /// <exception cref="ArgumentException">The name is not a valid user name.</exception>
    public NewUser CreateUser(string accountId, string name, IReadOnlyList<string> policyDocuments)
    {
        ArgumentNullException.ThrowIfNull(policyDocuments);
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || "+=,.@_-".Contains(c, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"'{name}' is not a valid user name: use 1-64 letters, digits and +=,.@_-", nameof(name));
        }

        ValidatePolicies(policyDocuments);
        if (_repository.FindAccount(accountId) is null)
        {
            throw new InvalidOperationException($"Account {accountId} does not exist.");
        }

        var now = _time.GetUtcNow();
        var user = new User(accountId, name, now, policyDocuments);
        using var changes = _repository.BeginChanges();
        if (!changes.TryAddUser(user))
        {
            throw new InvalidOperationException($"User {name} already exists in account {accountId}.");
        }

        var created = NewKey(accountId, name, now);
        changes.AddAccessKey(created.Key);
        List<AuditEvent> records =
        [
            IamAuditRecord.Create(accountId, now, "CreateUser", new JsonObject { ["userName"] = name }, new JsonObject
            {
                ["user"] = new JsonObject
                {
                    ["path"] = "/",
                    ["userName"] = name,
                    ["userId"] = Core.Identity.Caller.PrincipalId(user.Arn),
                    ["arn"] = user.Arn,
                    ["createDate"] = IamAuditRecord.Date(now),
                },
            }),
            .. PutUserPolicyRecords(user, now),
            CreateAccessKeyRecord(created.Key),
        ];
        changes.Commit(records);
        return new NewUser(user, created.Key.AccessKeyId, created.SecretAccessKey);
    }

    /// <summary>Adds an access key to a user, at most <see cref="MaxAccessKeysPerUser"/> per user; recorded as <c>CreateAccessKey</c>.</summary>
    /// <exception cref="InvalidOperationException">The user does not exist or already has the most keys it may have.</exception>
    public NewAccessKey CreateAccessKey(string accountId, string userName)
    {
        using var changes = _repository.BeginChanges();
        _ = changes.FindUser(accountId, userName) ?? throw UserNotFound(accountId, userName);
        var existing = changes.ListAccessKeys(accountId).Where(k => k.UserName == userName).ToList();
        if (existing.Count >= MaxAccessKeysPerUser)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"User {userName} already has {existing.Count} access keys ({string.Join(", ", existing.Select(k => k.AccessKeyId))}), the most a user may have (IAM's quota AccessKeysPerUser is {MaxAccessKeysPerUser}): delete one first."));
        }

        var created = NewKey(accountId, userName, _time.GetUtcNow());
        changes.AddAccessKey(created.Key);
        changes.Commit([CreateAccessKeyRecord(created.Key)]);
        return created;
    }

    /// <summary>Activates or deactivates an access key; recorded as <c>UpdateAccessKey</c>. A deactivated key is refused at once, as an unknown key is.</summary>
    /// <param name="accessKeyId">The key.</param>
    /// <param name="status">Its new status.</param>
    /// <param name="force">Deactivate even the last active key of the account's last administrator.</param>
    /// <exception cref="InvalidOperationException">There is no such key.</exception>
    /// <exception cref="IdentityLockoutException">Deactivating it would leave its account without an administrator with an active key (and <paramref name="force"/> is false).</exception>
    public AccessKey SetAccessKeyStatus(string accessKeyId, AccessKeyStatus status, bool force)
    {
        using var changes = _repository.BeginChanges();
        var key = changes.FindAccessKey(accessKeyId) ?? throw AccessKeyNotFound(accessKeyId);
        if (status == AccessKeyStatus.Inactive && !force)
        {
            EnsureAdministratorRemains(changes, key.AccountId, $"Deactivating access key {accessKeyId} of user {key.UserName}",
                user => user, k => k.AccessKeyId == accessKeyId ? k with { Status = AccessKeyStatus.Inactive } : k);
        }

        changes.SetAccessKeyStatus(accessKeyId, status);
        var now = _time.GetUtcNow();
        changes.Commit([IamAuditRecord.Create(key.AccountId, now, "UpdateAccessKey",
            new JsonObject { ["userName"] = key.UserName, ["accessKeyId"] = accessKeyId, ["status"] = status.ToString() }, null)]);
        _credentials.TryRemove(accessKeyId, out _);
        return key with { Status = status };
    }

    /// <summary>Deletes an access key and its sealed secret; recorded as <c>DeleteAccessKey</c>.</summary>
    /// <param name="accessKeyId">The key.</param>
    /// <param name="force">Delete even the last active key of the account's last administrator.</param>
    /// <exception cref="InvalidOperationException">There is no such key.</exception>
    /// <exception cref="IdentityLockoutException">Deleting it would leave its account without an administrator with an active key (and <paramref name="force"/> is false).</exception>
    public AccessKey DeleteAccessKey(string accessKeyId, bool force)
    {
        using var changes = _repository.BeginChanges();
        var key = changes.FindAccessKey(accessKeyId) ?? throw AccessKeyNotFound(accessKeyId);
        if (!force)
        {
            EnsureAdministratorRemains(changes, key.AccountId, $"Deleting access key {accessKeyId} of user {key.UserName}",
                user => user, k => k.AccessKeyId == accessKeyId ? null : k);
        }

        changes.DeleteAccessKey(accessKeyId);
        changes.Commit([DeleteAccessKeyRecord(key, _time.GetUtcNow())]);
        _credentials.TryRemove(accessKeyId, out _);
        return key;
    }

    /// <summary>Replaces a user's policies with <paramref name="policyDocuments"/>, validated first; recorded as <c>PutUserPolicy</c> per document. Takes effect at the user's next request.</summary>
    /// <param name="accountId">The user's account.</param>
    /// <param name="name">The user.</param>
    /// <param name="policyDocuments">The JSON policy documents.</param>
    /// <param name="force">Change even the last administrator's policies so that it no longer is one.</param>
    /// <exception cref="PolicyFormatException">A policy document is malformed.</exception>
    /// <exception cref="InvalidOperationException">There is no such user.</exception>
    /// <exception cref="IdentityLockoutException">The change would leave the account without an administrator with an active key (and <paramref name="force"/> is false).</exception>
    public User UpdateUserPolicies(string accountId, string name, IReadOnlyList<string> policyDocuments, bool force)
    {
        ArgumentNullException.ThrowIfNull(policyDocuments);
        ValidatePolicies(policyDocuments);
        using var changes = _repository.BeginChanges();
        var user = changes.FindUser(accountId, name) ?? throw UserNotFound(accountId, name);
        var updated = user with { PolicyDocuments = policyDocuments };
        if (!force)
        {
            EnsureAdministratorRemains(changes, accountId, $"Changing the policy of user {name}", u => u.Name == name ? updated : u, k => k);
        }

        changes.SetUserPolicies(accountId, name, policyDocuments);
        changes.Commit(PutUserPolicyRecords(updated, _time.GetUtcNow()).ToList());
        return updated;
    }

    /// <summary>Deletes a user with all its access keys; recorded as <c>DeleteAccessKey</c> per key, then <c>DeleteUser</c>.</summary>
    /// <param name="accountId">The user's account.</param>
    /// <param name="name">The user.</param>
    /// <param name="force">Delete even the account's last administrator with an active key.</param>
    /// <returns>The access keys deleted with the user.</returns>
    /// <exception cref="InvalidOperationException">There is no such user.</exception>
    /// <exception cref="IdentityLockoutException">Deleting it would leave the account without an administrator with an active key (and <paramref name="force"/> is false).</exception>
    public IReadOnlyList<AccessKey> DeleteUser(string accountId, string name, bool force)
    {
        using var changes = _repository.BeginChanges();
        _ = changes.FindUser(accountId, name) ?? throw UserNotFound(accountId, name);
        if (!force)
        {
            EnsureAdministratorRemains(changes, accountId, $"Deleting user {name}", u => u.Name == name ? null : u, k => k.UserName == name ? null : k);
        }

        var keys = changes.ListAccessKeys(accountId).Where(k => k.UserName == name).ToList();
        changes.DeleteUser(accountId, name);
        var now = _time.GetUtcNow();
        changes.Commit([.. keys.Select(k => DeleteAccessKeyRecord(k, now)), IamAuditRecord.Create(accountId, now, "DeleteUser", new JsonObject { ["userName"] = name }, null)]);
        foreach (var key in keys)
        {
            _credentials.TryRemove(key.AccessKeyId, out _);
        }

        return keys;
    }

    /// <summary>Whether a user is an administrator: its policies allow every action on every resource (<c>"Action": "*"</c>), as the admin user's do.</summary>
    public static bool IsAdministrator(User user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var request = new AuthorizationRequest(user.Arn, user.AccountId, "*", "*", EmptyContext);
        return PolicyEvaluator.EvaluateIdentity(user.PolicyDocuments.Select(PolicyDocument.Parse), request) == PolicyDecision.Allow;
    }

    /// <summary>Finds the credentials of an active access key, or null when no such key exists or it is inactive.</summary>
    /// <remarks>Reads the key and its user on every call: a status or policy change made by another process applies to the next request.</remarks>
    public Credentials? FindCredentials(string accessKeyId)
    {
        var holder = _repository.FindAccessKeyHolder(accessKeyId);
        if (holder is null || holder.Key.Status != AccessKeyStatus.Active)
        {
            _credentials.TryRemove(accessKeyId, out _);
            return null;
        }

        if (_credentials.TryGetValue(accessKeyId, out var cached) && SameUser(cached.User, holder.User))
        {
            return cached;
        }

        var user = holder.User;
        var secret = Encoding.UTF8.GetString(_rootKeys.Open(holder.Key.SealedSecret, AccessKeyAssociatedData(accessKeyId)));
        var credentials = new Credentials(accessKeyId, secret, user, user.PolicyDocuments.Select(PolicyDocument.Parse).ToArray());
        _credentials[accessKeyId] = credentials;
        return credentials;
    }

    /// <summary>The associated data an access key's secret is sealed with under the root key.</summary>
    public static byte[] AccessKeyAssociatedData(string accessKeyId) => Encoding.UTF8.GetBytes("tracevault/access-key/" + accessKeyId);

    private NewAccessKey NewKey(string accountId, string userName, DateTimeOffset now)
    {
        var accessKeyId = "AKIA" + Ids.NewString(16, AccessKeyAlphabet);
        var secret = Ids.NewString(40, SecretAlphabet);
        var sealedSecret = _rootKeys.Seal(Encoding.UTF8.GetBytes(secret), AccessKeyAssociatedData(accessKeyId));
        return new NewAccessKey(new AccessKey(accessKeyId, accountId, userName, sealedSecret, now, AccessKeyStatus.Active), secret);
    }

    private static void ValidatePolicies(IReadOnlyList<string> policyDocuments)
    {
        foreach (var document in policyDocuments)
        {
            PolicyDocument.Parse(document);
        }
    }

    /// <summary>Refuses a change after which an account that had an administrator with an active access key would have none.</summary>
    private static void EnsureAdministratorRemains(IIdentityChanges changes, string accountId, string change, Func<User, User?> userAfter, Func<AccessKey, AccessKey?> keyAfter)
    {
        var users = changes.ListUsers(accountId);
        var keys = changes.ListAccessKeys(accountId);
        if (!HasActiveAdministrator(users, keys)
            || HasActiveAdministrator(users.Select(userAfter).OfType<User>().ToList(), keys.Select(keyAfter).OfType<AccessKey>().ToList()))
        {
            return;
        }

        throw new IdentityLockoutException(
            $"{change} would leave account {accountId} with no administrator (a user whose policies allow every action on every resource) that has an active access key, so nobody could sign in to administer it.");
    }

    private static bool HasActiveAdministrator(IReadOnlyList<User> users, IReadOnlyList<AccessKey> keys) =>
        users.Any(u => keys.Any(k => k.UserName == u.Name && k.Status == AccessKeyStatus.Active) && IsAdministrator(u));

    private static bool SameUser(User cached, User current) =>
        cached.AccountId == current.AccountId && cached.Name == current.Name && cached.CreatedAt == current.CreatedAt
        && cached.PolicyDocuments.SequenceEqual(current.PolicyDocuments, StringComparer.Ordinal);

    private static IEnumerable<AuditEvent> PutUserPolicyRecords(User user, DateTimeOffset now) =>
        user.PolicyDocuments.Select((document, index) => IamAuditRecord.Create(user.AccountId, now, "PutUserPolicy", new JsonObject
        {
            ["userName"] = user.Name,
            ["policyName"] = PolicyName(index),
            ["policyDocument"] = document,
        }, null));

    /// <summary>The name a user's policy document is recorded under: <c>policy-1</c>, <c>policy-2</c>…, in the order attached.</summary>
    private static string PolicyName(int index) => string.Create(CultureInfo.InvariantCulture, $"policy-{index + 1}");

    private static AuditEvent CreateAccessKeyRecord(AccessKey key) =>
        IamAuditRecord.Create(key.AccountId, key.CreatedAt, "CreateAccessKey", new JsonObject { ["userName"] = key.UserName }, new JsonObject
        {
            ["accessKey"] = new JsonObject
            {
                ["accessKeyId"] = key.AccessKeyId,
                ["status"] = key.Status.ToString(),
                ["userName"] = key.UserName,
                ["createDate"] = IamAuditRecord.Date(key.CreatedAt),
            },
        });

    private static AuditEvent DeleteAccessKeyRecord(AccessKey key, DateTimeOffset now) =>
        IamAuditRecord.Create(key.AccountId, now, "DeleteAccessKey", new JsonObject { ["userName"] = key.UserName, ["accessKeyId"] = key.AccessKeyId }, null);

    private static InvalidOperationException UserNotFound(string accountId, string name) => new($"User {name} does not exist in account {accountId}.");

    private static InvalidOperationException AccessKeyNotFound(string accessKeyId) => new($"Access key {accessKeyId} does not exist.");
}
