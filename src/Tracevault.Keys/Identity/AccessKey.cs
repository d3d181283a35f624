namespace Tracevault.Keys.Identity;

/// <summary>An access key of a user; its secret is kept sealed under the root key, since SigV4 verification needs it.</summary>
/// <param name="AccessKeyId">The public id, e.g. <c>AKIA…</c>.</param>
/// <param name="AccountId">The account of the user the key belongs to.</param>
/// <param name="UserName">The user the key belongs to.</param>
/// <param name="SealedSecret">The secret access key, sealed under the root key with the key id as associated data.</param>
/// <param name="CreatedAt">When the key was created.</param>
/// <param name="Status">Whether the key may be used.</param>
public sealed record AccessKey(string AccessKeyId, string AccountId, string UserName, byte[] SealedSecret, DateTimeOffset CreatedAt, AccessKeyStatus Status);
