namespace Tracevault.Core.Policies;

/// <summary>The outcome of evaluating a resource-based policy, such as a KMS key policy, for one request.</summary>
public enum ResourcePolicyDecision
{
    /// <summary>No statement matched the caller: an implicit deny.</summary>
    NotApplicable,

    /// <summary>A Deny statement matched the caller: an explicit deny.</summary>
    Deny,

    /// <summary>An Allow statement named the caller itself, by its exact ARN or by "*".</summary>
    AllowPrincipal,

    /// <summary>An Allow statement named only the caller's account, which delegates the decision to the account's IAM policies.</summary>
    AllowAccount,
}
