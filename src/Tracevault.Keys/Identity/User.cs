using Tracevault.Core.Identity;

namespace Tracevault.Keys.Identity;

/// <summary>A user of an account, with the identity policies attached to it.</summary>
/// <param name="AccountId">The account the user belongs to.</param>
/// <param name="Name">The user's name, unique in its account.</param>
/// <param name="CreatedAt">When the user was created.</param>
/// <param name="PolicyDocuments">The JSON policy documents attached to the user.</param>
public sealed record User(string AccountId, string Name, DateTimeOffset CreatedAt, IReadOnlyList<string> PolicyDocuments)
{
    /// <summary>The user's ARN.</summary>
    public string Arn => Caller.UserArn(AccountId, Name);
}
