namespace Tracevault.Keys.RootKeys;

/// <summary>Where everything sealed under the root keys is kept (key material, access-key secrets, the service key), with the root keys it expects.</summary>
public interface IRootKeySealedStore
{
    /// <summary>Records root keys the store does not record yet; a key it already records keeps its record.</summary>
    void Record(IReadOnlyList<RootKeyCheck> checks);

    /// <summary>How many blobs <see cref="ResealAll"/> would re-seal now, for telling how far it has got.</summary>
    int CountSealed();

    /// <summary>Replaces every sealed blob with <paramref name="reseal"/>'s answer and records <paramref name="checks"/>, in one transaction; calls <paramref name="beforeCommit"/> just before committing.</summary>
    /// <returns>How many blobs of each kind were re-sealed.</returns>
    RootKeyResealCounts ResealAll(Func<RootSealedBlob, byte[]> reseal, IReadOnlyList<RootKeyCheck> checks, Action beforeCommit);

    /// <summary>
    /// Forgets root key <paramref name="keyId"/> in one transaction: refuses while any blob is sealed under it, re-links under
    /// <paramref name="chain"/>'s current key every audit record from the first one linked under it, and drops its record;
    /// then leaves no copy of the replaced pages behind (the write-ahead log is checkpointed and truncated).
    /// </summary>
    /// <param name="keyId">The root key to forget; never the current one.</param>
    /// <param name="chain">The audit chain over the ring that still holds the key, so the old links can be checked before they are replaced.</param>
    /// <returns>How many audit records were re-linked.</returns>
    /// <exception cref="RootKeyInUseException">A blob is still sealed under the key.</exception>
    long Forget(int keyId, Audit.AuditChain chain);
}
