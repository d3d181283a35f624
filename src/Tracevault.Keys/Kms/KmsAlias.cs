namespace Tracevault.Keys.Kms;

/// <summary>An alias: a friendly name, <c>alias/…</c>, for one key of its account.</summary>
/// <param name="AccountId">The account the alias belongs to.</param>
/// <param name="AliasName">The name, starting with <c>alias/</c>.</param>
/// <param name="TargetKeyId">The UUID of the key it names.</param>
/// <param name="CreationDate">When it was created.</param>
/// <param name="LastUpdatedDate">When it was last pointed at a key.</param>
public sealed record KmsAlias(string AccountId, string AliasName, string TargetKeyId, DateTimeOffset CreationDate, DateTimeOffset LastUpdatedDate);
