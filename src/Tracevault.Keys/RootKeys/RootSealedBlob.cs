namespace Tracevault.Keys.RootKeys;

/// <summary>One blob a store keeps sealed under a root key, with the associated data it was sealed with.</summary>
/// <param name="Sealed">The blob made by <see cref="RootKeyRing.Seal"/>.</param>
/// <param name="AssociatedData">The associated data bound to it.</param>
public sealed record RootSealedBlob(byte[] Sealed, byte[] AssociatedData);
