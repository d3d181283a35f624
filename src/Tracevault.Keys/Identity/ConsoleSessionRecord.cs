namespace Tracevault.Keys.Identity;

/// <summary>One console session as the store keeps it: never its token, only the token's SHA-256, so reading the store gives no session to ride.</summary>
/// <param name="TokenHash">The SHA-256 of the session token the browser's cookie carries (32 bytes).</param>
/// <param name="AccountId">The signed-in user's account.</param>
/// <param name="UserName">The signed-in user's name.</param>
/// <param name="AccessKeyId">The access key the user signed in with; the session ends once it is no longer active.</param>
/// <param name="CreatedAt">When the user signed in.</param>
/// <param name="ExpiresAt">When the session ends unless a request extends it.</param>
public sealed record ConsoleSessionRecord(byte[] TokenHash, string AccountId, string UserName, string AccessKeyId, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt);
