namespace Tracevault.Keys.RootKeys;

/// <summary>What a store says about the root keys it was sealed under, read before anything is written to it.</summary>
/// <param name="Recorded">The root keys the store recorded; empty for a store written before they were recorded.</param>
/// <param name="Samples">When nothing is recorded, one sealed blob per root key that seals something in the store; otherwise empty.</param>
public sealed record StoredRootKeys(IReadOnlyList<RootKeyCheck> Recorded, IReadOnlyList<RootSealedBlob> Samples);
