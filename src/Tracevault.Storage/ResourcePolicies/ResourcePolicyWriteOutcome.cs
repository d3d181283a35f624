namespace Tracevault.Storage.ResourcePolicies;

/// <summary>What a write to <see cref="IResourcePolicyRepository"/> did.</summary>
public enum ResourcePolicyWriteOutcome
{
    /// <summary>The policy was created, changed or deleted.</summary>
    Done,

    /// <summary>The revision the caller expected is not the stored one (or, for revision 0, a policy of that name exists).</summary>
    RevisionMismatch,

    /// <summary>The account holds as many policies as it may.</summary>
    LimitReached,
}
