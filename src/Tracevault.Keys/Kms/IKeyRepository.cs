namespace Tracevault.Keys.Kms;

/// <summary>Where KMS keys, their sealed versions, aliases and grants are kept.</summary>
/// <remarks>Key metadata is append-only: each change adds a revision. Key material is only ever given to it sealed.</remarks>
public interface IKeyRepository
{
    /// <summary>Adds a new key (revision 1) with its first sealed version.</summary>
    void AddKey(KmsKey key, KeyVersion firstVersion);

    /// <summary>Appends a revision of a key's metadata, with a new sealed version when the change is a rotation.</summary>
    void AppendRevision(KmsKey key, KeyVersion? newVersion);

    /// <summary>Appends the Deleted revision of a key and destroys all its sealed versions and grants, in one transaction.</summary>
    void DestroyKey(KmsKey deleted);

    /// <summary>Finds the newest revision of a key by its UUID.</summary>
    KmsKey? FindKey(string keyId);

    /// <summary>Lists the newest revision of every key of an account, oldest key first.</summary>
    IReadOnlyList<KmsKey> ListKeys(string accountId);

    /// <summary>Lists the newest revision of every key pending deletion, in every account.</summary>
    IReadOnlyList<KmsKey> ListKeysPendingDeletion();

    /// <summary>Finds one sealed version of a key.</summary>
    KeyVersion? FindVersion(string keyId, int version);

    /// <summary>Lists the sealed versions of a key, oldest first.</summary>
    IReadOnlyList<KeyVersion> ListVersions(string keyId);

    /// <summary>Adds an alias; returns false when the account already has one of that name.</summary>
    bool TryAddAlias(KmsAlias alias);

    /// <summary>Points an existing alias at another key.</summary>
    void UpdateAlias(KmsAlias alias);

    /// <summary>Deletes an alias; returns false when there was none.</summary>
    bool DeleteAlias(string accountId, string aliasName);

    /// <summary>Finds an alias of an account.</summary>
    KmsAlias? FindAlias(string accountId, string aliasName);

    /// <summary>Lists an account's aliases, by name.</summary>
    IReadOnlyList<KmsAlias> ListAliases(string accountId);

    /// <summary>Adds a grant.</summary>
    void AddGrant(KmsGrant grant);

    /// <summary>Lists the grants of a key, oldest first.</summary>
    IReadOnlyList<KmsGrant> ListGrants(string keyId);

    /// <summary>Deletes a grant; returns false when there was none.</summary>
    bool DeleteGrant(string keyId, string grantId);
}
