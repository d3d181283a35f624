using System.Text;

namespace Tracevault.Keys.Identity;

/// <summary>A user just created, with the only copy of its secret that will ever be shown.</summary>
/// <param name="User">The user.</param>
/// <param name="AccessKeyId">Its access key id.</param>
/// <param name="SecretAccessKey">Its secret access key.</param>
/// <remarks>Its printed form (<c>ToString</c>) leaves the secret out, so no log line or test failure shows it.</remarks>
public sealed record NewUser(User User, string AccessKeyId, string SecretAccessKey)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("User = ").Append(User.Arn).Append(", AccessKeyId = ").Append(AccessKeyId).Append(", SecretAccessKey = (hidden)");
        return true;
    }
}
