namespace Tracevault.Keys.Kms;

/// <summary>The answer of GetParametersForImport.</summary>
/// <param name="Key">The key the material is for.</param>
/// <param name="ImportToken">The opaque token ImportKeyMaterial takes back.</param>
/// <param name="PublicKey">The RSA wrapping public key, as a DER SubjectPublicKeyInfo.</param>
/// <param name="ParametersValidTo">When the token and the wrapping key stop being accepted.</param>
public sealed record ImportParameters(KmsKey Key, byte[] ImportToken, byte[] PublicKey, DateTimeOffset ParametersValidTo);
