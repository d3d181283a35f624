namespace Tracevault.Keys.Identity;

/// <summary>An account: the unit that owns users, keys and traces.</summary>
/// <param name="Id">The 12-digit account id.</param>
/// <param name="CreatedAt">When the account was created.</param>
public sealed record Account(string Id, DateTimeOffset CreatedAt);
