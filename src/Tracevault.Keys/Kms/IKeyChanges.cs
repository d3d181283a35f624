using Tracevault.Keys.Audit;

namespace Tracevault.Keys.Kms;

/// <summary>One KMS call's changes to keys, aliases and grants: committed together with the call's audit records, or not at all.</summary>
/// <remarks>
/// Begun by <see cref="IKeyRepository.BeginChanges"/>; writers are serialized from the first change until <see cref="Commit"/> or
/// disposal. Reads through the repository see committed state only. Disposing without committing discards every change.
/// One instance serves one call on one thread.
/// </remarks>
public interface IKeyChanges : IDisposable
{
    /// <summary>Adds a new key (revision 1) with its first sealed version, or with none for a key of origin EXTERNAL awaiting its material.</summary>
    void AddKey(KmsKey key, KeyVersion? firstVersion);

    /// <summary>Appends a revision of a key's metadata, with a new sealed version when the change is a rotation.</summary>
    void AppendRevision(KmsKey key, KeyVersion? newVersion);

    /// <summary>Appends the Deleted revision of a key and destroys all its sealed versions, grants and aliases.</summary>
    void DestroyKey(KmsKey deleted);

    /// <summary>Appends a revision of a key whose imported material is deleted (or expired) and deletes all its sealed versions; its grants and aliases stay.</summary>
    /// <remarks>What storage may still hold of the deleted rows is erased by <see cref="IKeyRepository.EraseDestroyedMaterial"/>, as for a destroyed key.</remarks>
    void DeleteMaterial(KmsKey withoutMaterial);

    /// <summary>Adds an alias; returns false when the account already has one of that name.</summary>
    bool TryAddAlias(KmsAlias alias);

    /// <summary>Points an existing alias at another key.</summary>
    void UpdateAlias(KmsAlias alias);

    /// <summary>Deletes an alias; returns false when there was none.</summary>
    bool DeleteAlias(string accountId, string aliasName);

    /// <summary>Adds a grant.</summary>
    void AddGrant(KmsGrant grant);

    /// <summary>Deletes a grant; returns false when there was none.</summary>
    bool DeleteGrant(string keyId, string grantId);

    /// <summary>Appends the call's audit records (chained and sealed as <see cref="IAuditLog.Append"/> does) and counts the usage, then commits them with the changes in one transaction.</summary>
    void Commit(IReadOnlyList<AuditEvent> events, KeyUsageIncrement? usage);
}
