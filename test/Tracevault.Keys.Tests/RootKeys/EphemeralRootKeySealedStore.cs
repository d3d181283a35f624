using Tracevault.Keys.Audit;
using Tracevault.Keys.RootKeys;

namespace Tracevault.Keys.Tests.RootKeys;

/// <summary>An in-memory store of sealed blobs, which can also be told to fail its re-seal before committing.</summary>
public sealed class EphemeralRootKeySealedStore : IRootKeySealedStore
{
    public List<RootSealedBlob> Blobs { get; } = [];

    public Dictionary<int, RootKeyCheck> Recorded { get; } = [];

    public Action? OnReseal { get; set; }

    public bool FailBeforeCommit { get; set; }

    public StoredRootKeys Stored() => Recorded.Count > 0 ? new StoredRootKeys(Recorded.Values.ToArray(), []) : new StoredRootKeys([], Blobs.ToArray());

    public void Record(IReadOnlyList<RootKeyCheck> checks)
    {
        foreach (var check in checks)
        {
            Recorded.TryAdd(check.KeyId, check);
        }
    }

    public int CountSealed() => Blobs.Count;

    public RootKeyResealCounts ResealAll(Func<RootSealedBlob, byte[]> reseal, IReadOnlyList<RootKeyCheck> checks, Action beforeCommit)
    {
        OnReseal?.Invoke();
        var resealed = Blobs.Select(b => b with { Sealed = reseal(b) }).ToList();
        beforeCommit();
        if (FailBeforeCommit)
        {
            throw new IOException("the transaction did not commit");
        }

        Blobs.Clear();
        Blobs.AddRange(resealed);
        Record(checks);
        return new RootKeyResealCounts(0, 0, resealed.Count);
    }

    public long Forget(int keyId, AuditChain chain)
    {
        var still = Blobs.Count(b => RootKeyRing.SealingKeyId(b.Sealed) == keyId);
        if (still > 0)
        {
            throw new RootKeyInUseException($"root key {keyId} still seals {still} blob(s)");
        }

        Recorded.Remove(keyId);
        return 0;
    }
}
