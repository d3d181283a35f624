using System.Security.Cryptography;

namespace Tracevault.Keys.RootKeys;

/// <summary>Adds a root key and re-seals everything a store keeps under it: the only re-wrapping Tracevault ever does.</summary>
/// <remarks>
/// The steps are ordered so that at every instant the root key file opens what the store holds: the new ring keeps every
/// old key and is made durable (temporary file flushed, renamed, directory flushed) before the store commits the re-seal
/// in one transaction. No root key is retired here (<see cref="RootKeyRetirement"/> does that once nothing is sealed under it), so a ring written by an interrupted rotation still opens everything.
/// </remarks>
public static class RootKeyRotation
{
    /// <summary>Writes a ring with one more root key to <paramref name="file"/> (wrapped as the file is), then re-seals <paramref name="store"/> under it; <paramref name="reached"/> is told each step as it completes.</summary>
    /// <returns>The new ring and what was re-sealed.</returns>
    public static (RootKeyRing Ring, RootKeyResealCounts Counts) Rotate(RootKeyFile file, RootKeyRing current, IRootKeySealedStore store, Action<RootKeyRotationStep> reached) =>
        Rotate(file, current, store, reached, _ => { });

    /// <summary>As <see cref="Rotate(RootKeyFile, RootKeyRing, IRootKeySealedStore, Action{RootKeyRotationStep})"/>; <paramref name="resealed"/> is told how many blobs are re-sealed so far after each one.</summary>
    /// <returns>The new ring and what was re-sealed.</returns>
    public static (RootKeyRing Ring, RootKeyResealCounts Counts) Rotate(RootKeyFile file, RootKeyRing current, IRootKeySealedStore store, Action<RootKeyRotationStep> reached, Action<int> resealed)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(reached);
        ArgumentNullException.ThrowIfNull(resealed);
        var done = 0;
        var next = current.AddKey();
        file.Save(next, reached);
        var counts = store.ResealAll(
            blob =>
            {
                var plaintext = next.Open(blob.Sealed, blob.AssociatedData);
                try
                {
                    var sealedAgain = next.Seal(plaintext, blob.AssociatedData);
                    resealed(++done);
                    return sealedAgain;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(plaintext);
                }
            },
            next.Checks(),
            () => reached(RootKeyRotationStep.Resealed));
        reached(RootKeyRotationStep.Committed);
        return (next, counts);
    }
}
