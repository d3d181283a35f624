namespace Tracevault.Core.Policies;

/// <summary>Whether a policy statement allows or denies what it matches.</summary>
public enum PolicyEffect
{
    /// <summary>The statement allows the matched requests.</summary>
    Allow,

    /// <summary>The statement explicitly denies the matched requests, overriding any Allow.</summary>
    Deny,
}
