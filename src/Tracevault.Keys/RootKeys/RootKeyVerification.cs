using System.Security.Cryptography;

namespace Tracevault.Keys.RootKeys;

/// <summary>Decides whether a root key ring belongs to a store, before the store is written to.</summary>
public static class RootKeyVerification
{
    /// <summary>Throws <see cref="RootKeyMismatchException"/> unless <paramref name="ring"/> holds every root key the store recorded or, when it recorded none, opens one blob sealed under each root key it uses.</summary>
    /// <remarks>The ring may hold keys the store does not record yet: a rotation writes the new key to the file before the store commits its re-seal.</remarks>
    public static void Verify(RootKeyRing ring, StoredRootKeys stored)
    {
        ArgumentNullException.ThrowIfNull(ring);
        ArgumentNullException.ThrowIfNull(stored);
        var checks = ring.Checks().ToDictionary(c => c.KeyId);
        foreach (var recorded in stored.Recorded)
        {
            if (!checks.TryGetValue(recorded.KeyId, out var check))
            {
                throw new RootKeyMismatchException($"it lacks root key {recorded.KeyId}, which the database expects");
            }

            if (!CryptographicOperations.FixedTimeEquals(check.Value, recorded.Value))
            {
                throw new RootKeyMismatchException($"its root key {recorded.KeyId} differs from the one the database recorded");
            }
        }

        foreach (var sample in stored.Samples)
        {
            var keyId = RootKeyRing.SealingKeyId(sample.Sealed);
            try
            {
                CryptographicOperations.ZeroMemory(ring.Open(sample.Sealed, sample.AssociatedData));
            }
            catch (CryptographicException exception)
            {
                throw new RootKeyMismatchException($"it does not open what the database keeps sealed under root key {keyId}", exception);
            }
        }
    }
}
