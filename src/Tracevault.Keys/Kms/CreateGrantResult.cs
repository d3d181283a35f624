namespace Tracevault.Keys.Kms;

/// <summary>The answer of CreateGrant.</summary>
/// <param name="GrantId">The grant's id.</param>
/// <param name="GrantToken">A token naming the grant, usable at once.</param>
public sealed record CreateGrantResult(string GrantId, string GrantToken);
