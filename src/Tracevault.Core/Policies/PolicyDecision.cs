namespace Tracevault.Core.Policies;

/// <summary>The outcome of evaluating identity-based policies for one request.</summary>
public enum PolicyDecision
{
    /// <summary>No statement matched: an implicit deny.</summary>
    NotApplicable,

    /// <summary>An Allow statement matched and no Deny statement did.</summary>
    Allow,

    /// <summary>A Deny statement matched: an explicit deny.</summary>
    Deny,
}
