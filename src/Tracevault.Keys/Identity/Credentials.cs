using System.Text;
using Tracevault.Core.Policies;

namespace Tracevault.Keys.Identity;

/// <summary>What request verification needs for an access key: its secret and the user it acts as.</summary>
/// <param name="AccessKeyId">The access key id.</param>
/// <param name="SecretAccessKey">The secret access key, opened from its sealed form.</param>
/// <param name="User">The user the key belongs to.</param>
/// <param name="Policies">The user's parsed identity policies.</param>
/// <remarks>Its printed form (<c>ToString</c>) leaves the secret out, so no log line or test failure shows it.</remarks>
public sealed record Credentials(string AccessKeyId, string SecretAccessKey, User User, IReadOnlyList<PolicyDocument> Policies)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("AccessKeyId = ").Append(AccessKeyId).Append(", User = ").Append(User.Arn).Append(", SecretAccessKey = (hidden)");
        return true;
    }
}
