namespace Tracevault.Keys.RootKeys;

/// <summary>Where everything sealed under the root keys is kept (key material, access-key secrets, the service key), with the root keys it expects.</summary>
public interface IRootKeySealedStore
{
    /// <summary>Records root keys the store does not record yet; a key it already records keeps its record.</summary>
    void Record(IReadOnlyList<RootKeyCheck> checks);

    /// <summary>Replaces every sealed blob with <paramref name="reseal"/>'s answer and records <paramref name="checks"/>, in one transaction; calls <paramref name="beforeCommit"/> just before committing.</summary>
    /// <returns>How many blobs of each kind were re-sealed.</returns>
    RootKeyResealCounts ResealAll(Func<RootSealedBlob, byte[]> reseal, IReadOnlyList<RootKeyCheck> checks, Action beforeCommit);
}
