namespace Tracevault.Keys.Kms;

/// <summary>Where KMS keys, their sealed versions, aliases and grants are kept.</summary>
/// <remarks>
/// Key metadata is append-only: each change adds a revision. Key material is only ever given to it sealed. Every change goes
/// through <see cref="BeginChanges"/>, so none is ever stored without the audit record of the call that made it.
/// </remarks>
public interface IKeyRepository
{
    /// <summary>Begins one call's changes, which commit only together with the call's audit records.</summary>
    /// <remarks>Writers are serialized from here (across processes and nodes sharing the store), so what the call reads after it stays true until it commits.</remarks>
    IKeyChanges BeginChanges();

    /// <summary>A number that grows with every committed <see cref="IKeyChanges"/> of any repository over the same store (any node): polled to notice other nodes' changes.</summary>
    /// <remarks>Cheap (one row read); it never goes back, and it changes only when keys, aliases or grants may have changed.</remarks>
    long ReadChangeNumber();

    /// <summary>Finds the newest revision of a key by its UUID.</summary>
    KmsKey? FindKey(string keyId);

    /// <summary>Lists the newest revision of every key of an account, oldest key first.</summary>
    IReadOnlyList<KmsKey> ListKeys(string accountId);

    /// <summary>Lists the newest revision of every key pending deletion, in every account.</summary>
    IReadOnlyList<KmsKey> ListKeysPendingDeletion();

    /// <summary>Lists the newest revision of every key whose imported material has an expiry (<see cref="KmsKey.ValidTo"/>), in every account.</summary>
    IReadOnlyList<KmsKey> ListKeysWithExpiringMaterial();

    /// <summary>
    /// Erases what storage may still hold of destroyed key material beyond the rows <see cref="IKeyChanges.DestroyKey"/> or <see cref="IKeyChanges.DeleteMaterial"/> deleted
    /// (for SQLite, the write-ahead log's copies of the pages that held it); false when it could not finish now (readers were
    /// busy) and should be tried again.
    /// </summary>
    bool EraseDestroyedMaterial();

    /// <summary>Finds one sealed version of a key.</summary>
    KeyVersion? FindVersion(string keyId, int version);

    /// <summary>Lists the sealed versions of a key, oldest first.</summary>
    IReadOnlyList<KeyVersion> ListVersions(string keyId);

    /// <summary>Finds an alias of an account.</summary>
    KmsAlias? FindAlias(string accountId, string aliasName);

    /// <summary>Lists an account's aliases, by name.</summary>
    IReadOnlyList<KmsAlias> ListAliases(string accountId);

    /// <summary>Lists the grants of a key, oldest first.</summary>
    IReadOnlyList<KmsGrant> ListGrants(string keyId);

    /// <summary>Lists the grants, on any key of any account, whose retiring principal is <paramref name="retiringPrincipal"/>, oldest first.</summary>
    IReadOnlyList<KmsGrant> ListGrantsByRetiringPrincipal(string retiringPrincipal);
}
