namespace Tracevault.Keys.RootKeys;

/// <summary>How many sealed blobs a root-key rotation re-sealed.</summary>
/// <param name="KeyVersions">KMS key versions.</param>
/// <param name="AccessKeys">Access-key secrets.</param>
/// <param name="ServiceKeys">Versions of Tracevault's own service key.</param>
public sealed record RootKeyResealCounts(int KeyVersions, int AccessKeys, int ServiceKeys);
