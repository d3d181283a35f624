namespace Tracevault.Storage.ResourcePolicies;

/// <summary>An X-Ray resource policy of an account: a named policy document that lets other principals use X-Ray in the account.</summary>
/// <remarks>
/// The document is configuration an operator wrote, not trace data: it is kept as written, in the clear, like an IAM policy or a
/// group's filter expression (see the README's security section).
/// </remarks>
/// <param name="AccountId">The account the policy belongs to.</param>
/// <param name="Name">The policy's name, unique in the account (case-sensitive).</param>
/// <param name="Document">The policy document exactly as given.</param>
/// <param name="Revision">The revision, 1 when the policy is created and one more at each change.</param>
/// <param name="LastUpdated">When the policy was last created or changed.</param>
public sealed record XRayResourcePolicy(string AccountId, string Name, string Document, long Revision, DateTimeOffset LastUpdated);
