using Tracevault.Keys.Audit;

namespace Tracevault.Keys.RootKeys;

/// <summary>Removes an old root key from the store's records and from the root key file, once nothing is sealed under it any more.</summary>
/// <remarks>
/// The store forgets the key first, in one transaction that also re-links under the current root key whatever was keyed by a
/// key derived from the retired one (the audit chain); only then is the file rewritten without it. A crash between the two
/// leaves a file that still holds the key, which the next open records again: retiring it again finishes the work.
/// </remarks>
public static class RootKeyRetirement
{
    /// <summary>Retires root key <paramref name="keyId"/>: refused while it is the current key or anything in <paramref name="store"/> is sealed under it.</summary>
    /// <returns>The ring without the key, as now written to <paramref name="file"/>, and how many audit records were re-linked.</returns>
    /// <exception cref="RootKeyInUseException">The key is the current one, the ring does not hold it, or something is still sealed under it.</exception>
    public static (RootKeyRing Ring, long RelinkedAuditRecords) Retire(RootKeyFile file, RootKeyRing current, int keyId, IRootKeySealedStore store)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(store);
        var next = current.WithoutKey(keyId);
        var relinked = store.Forget(keyId, new AuditChain(current));
        file.Save(next);
        return (next, relinked);
    }
}
