namespace Tracevault.Keys.Kms;

/// <summary>One completed rotation of a key, as ListKeyRotations names it.</summary>
/// <param name="KeyId">The key's UUID.</param>
/// <param name="Version">The key version the rotation made.</param>
/// <param name="RotationDate">When it happened.</param>
/// <param name="RotationType">AUTOMATIC or ON_DEMAND.</param>
/// <param name="KeyMaterialId">The version's key material id (64 hex).</param>
/// <param name="Current">Whether the version is the one new ciphertext uses.</param>
public sealed record KeyRotation(string KeyId, int Version, DateTimeOffset RotationDate, string RotationType, string KeyMaterialId, bool Current);
