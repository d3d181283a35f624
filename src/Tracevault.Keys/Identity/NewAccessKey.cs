using System.Text;

namespace Tracevault.Keys.Identity;

/// <summary>An access key just created, with the only copy of its secret that will ever be shown.</summary>
/// <param name="Key">The key as stored (its secret sealed).</param>
/// <param name="SecretAccessKey">Its secret access key.</param>
/// <remarks>Its printed form (<c>ToString</c>) leaves the secret out, so no log line or test failure shows it.</remarks>
public sealed record NewAccessKey(AccessKey Key, string SecretAccessKey)
{
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Key = ").Append(Key.AccessKeyId).Append(", SecretAccessKey = (hidden)");
        return true;
    }
}
