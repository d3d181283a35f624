namespace Tracevault.Keys.External;

/// <summary>The grant Tracevault made on an external key, kept with the encryption setting that chose the key.</summary>
/// <param name="GrantId">The grant's id there.</param>
/// <param name="GrantToken">The grant's token, sent with calls made before the grant is known everywhere in that service.</param>
public sealed record ExternalGrant(string GrantId, string GrantToken);
