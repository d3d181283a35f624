namespace Tracevault.Keys.RootKeys;

/// <summary>Names one root key without revealing it: its id and an HMAC of a fixed label under it.</summary>
/// <param name="KeyId">The root key's id.</param>
/// <param name="Value">HMAC-SHA256 of <c>tracevault/root-key-check/v1</c> under the key.</param>
public sealed record RootKeyCheck(int KeyId, byte[] Value);
