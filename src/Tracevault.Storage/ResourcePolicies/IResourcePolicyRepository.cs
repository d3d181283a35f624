namespace Tracevault.Storage.ResourcePolicies;

/// <summary>Where X-Ray resource policies are kept, shared by every node: a change made through one opening is seen by every other at once.</summary>
/// <remarks>
/// Thread-safe. Each write compares the revision, checks the limit and writes in one transaction, so nodes writing at once never
/// exceed the limit and never both win against one revision.
/// </remarks>
public interface IResourcePolicyRepository
{
    /// <summary>Lists an account's policies, by name (ordinal order).</summary>
    IReadOnlyList<XRayResourcePolicy> List(string accountId);

    /// <summary>
    /// Creates the policy (revision 1) or replaces its document (one revision more), unless <paramref name="expectedRevision"/> is
    /// given and is not the stored revision (0: no policy of that name may exist), or a new policy would exceed <paramref name="maxPolicies"/>.
    /// </summary>
    (ResourcePolicyWriteOutcome Outcome, XRayResourcePolicy? Policy) Put(string accountId, string name, string document, long? expectedRevision, DateTimeOffset at, int maxPolicies);

    /// <summary>
    /// Deletes the policy, unless <paramref name="expectedRevision"/> is given and is not the stored revision; deleting a policy that
    /// does not exist does nothing (<see cref="ResourcePolicyWriteOutcome.Done"/>) when no revision is expected.
    /// </summary>
    ResourcePolicyWriteOutcome Delete(string accountId, string name, long? expectedRevision);
}
