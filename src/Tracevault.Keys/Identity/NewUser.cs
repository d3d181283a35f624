namespace Tracevault.Keys.Identity;

/// <summary>A user just created, with the only copy of its secret that will ever be shown.</summary>
/// <param name="User">The user.</param>
/// <param name="AccessKeyId">Its access key id.</param>
/// <param name="SecretAccessKey">Its secret access key.</param>
public sealed record NewUser(User User, string AccessKeyId, string SecretAccessKey);
