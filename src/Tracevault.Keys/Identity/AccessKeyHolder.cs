namespace Tracevault.Keys.Identity;

/// <summary>An access key with the user it belongs to, as read together in one query.</summary>
/// <param name="Key">The access key.</param>
/// <param name="User">Its user.</param>
public sealed record AccessKeyHolder(AccessKey Key, User User);
