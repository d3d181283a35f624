using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tracevault.Core;
using Tracevault.Core.Policies;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Identity;

/// <summary>Creates accounts, users and access keys, and finds the credentials a signed request names.</summary>
/// <remarks>Thread-safe. Opened secrets are cached in memory only; access keys never change once made.</remarks>
public sealed class IdentityService
{
    /// <summary>The policy attached to an account's admin user: everything in its account.</summary>
    public const string AdministratorPolicy = """{"Version":"2012-10-17","Statement":[{"Sid":"AdministratorAccess","Effect":"Allow","Action":"*","Resource":"*"}]}""";

    private const string AccessKeyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

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

    /// <summary>Lists every access key id with the user it belongs to.</summary>
    public IReadOnlyList<AccessKey> ListAccessKeys() => _repository.ListAccessKeys();

    /// <summary>Creates a user with an access key; the policy documents are validated first.</summary>
    /// <exception cref="PolicyFormatException">A policy document is malformed.</exception>
    /// <exception cref="InvalidOperationException">The account does not exist or the name is taken.</exception>
    /// <exception cref="ArgumentException">The name is not a valid user name.</exception>
    public NewUser CreateUser(string accountId, string name, IReadOnlyList<string> policyDocuments)
    {
        if (name.Length is 0 or > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || "+=,.@_-".Contains(c, StringComparison.Ordinal)))
        {
            throw new ArgumentException($"'{name}' is not a valid user name: use 1-64 letters, digits and +=,.@_-", nameof(name));
        }

        foreach (var document in policyDocuments)
        {
            PolicyDocument.Parse(document);
        }

        if (_repository.FindAccount(accountId) is null)
        {
            throw new InvalidOperationException($"Account {accountId} does not exist.");
        }

        var user = new User(accountId, name, _time.GetUtcNow(), policyDocuments);
        if (!_repository.TryAddUser(user))
        {
            throw new InvalidOperationException($"User {name} already exists in account {accountId}.");
        }

        var accessKeyId = "AKIA" + Ids.NewString(16, AccessKeyAlphabet);
        var secret = Ids.NewString(40, SecretAlphabet);
        var sealedSecret = _rootKeys.Seal(Encoding.UTF8.GetBytes(secret), AccessKeyAssociatedData(accessKeyId));
        _repository.AddAccessKey(new AccessKey(accessKeyId, accountId, name, sealedSecret, _time.GetUtcNow()));
        return new NewUser(user, accessKeyId, secret);
    }

    /// <summary>Finds the credentials of an access key, or null when no such key exists.</summary>
    public Credentials? FindCredentials(string accessKeyId)
    {
        if (_credentials.TryGetValue(accessKeyId, out var cached))
        {
            return cached;
        }

        var key = _repository.FindAccessKey(accessKeyId);
        if (key is null)
        {
            return null;
        }

        var user = _repository.FindUser(key.AccountId, key.UserName)
            ?? throw new InvalidDataException($"Access key {accessKeyId} names a user that does not exist.");
        var secret = Encoding.UTF8.GetString(_rootKeys.Open(key.SealedSecret, AccessKeyAssociatedData(accessKeyId)));
        var credentials = new Credentials(accessKeyId, secret, user, user.PolicyDocuments.Select(PolicyDocument.Parse).ToArray());
        return _credentials.GetOrAdd(accessKeyId, credentials);
    }

    /// <summary>The associated data an access key's secret is sealed with under the root key.</summary>
    public static byte[] AccessKeyAssociatedData(string accessKeyId) => Encoding.UTF8.GetBytes("tracevault/access-key/" + accessKeyId);
}
