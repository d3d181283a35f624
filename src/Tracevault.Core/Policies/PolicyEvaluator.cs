namespace Tracevault.Core.Policies;

/// <summary>Evaluates policy documents against a request with IAM's rules: an explicit Deny wins, then an Allow, else an implicit deny.</summary>
/// <remarks>Stateless and safe to call concurrently; allocates nothing per statement.</remarks>
public static class PolicyEvaluator
{
    /// <summary>Evaluates identity-based policies, such as a user's IAM policies, for <paramref name="request"/>.</summary>
    /// <remarks>Identity policies should have no Principal element; a statement that does have one applies only to the principals it names, so it never widens access.</remarks>
    public static PolicyDecision EvaluateIdentity(IEnumerable<PolicyDocument> policies, AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(request);
        var allowed = false;
        foreach (var policy in policies)
        {
            foreach (var statement in policy.StatementArray)
            {
                // Once allowed, only a Deny can change the answer.
                if (allowed && statement.Effect == PolicyEffect.Allow)
                {
                    continue;
                }

                if (!statement.MatchesActionAndResource(request)
                    || statement.MatchPrincipal(request, whenAbsent: PrincipalMatch.Principal) == PrincipalMatch.None
                    || !statement.ConditionsHold(request.Context))
                {
                    continue;
                }

                if (statement.Effect == PolicyEffect.Deny)
                {
                    return PolicyDecision.Deny;
                }

                allowed = true;
            }
        }

        return allowed ? PolicyDecision.Allow : PolicyDecision.NotApplicable;
    }

    /// <summary>Evaluates a resource-based policy, such as a KMS key policy, for <paramref name="request"/>: statements apply only where Principal or NotPrincipal matches the caller.</summary>
    /// <remarks>A statement without Principal or NotPrincipal, which AWS would reject, applies to every caller when it denies and to none when it allows.</remarks>
    public static ResourcePolicyDecision EvaluateResource(PolicyDocument policy, AuthorizationRequest request)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(request);
        var decision = ResourcePolicyDecision.NotApplicable;
        foreach (var statement in policy.StatementArray)
        {
            var isDeny = statement.Effect == PolicyEffect.Deny;
            if (!isDeny && decision == ResourcePolicyDecision.AllowPrincipal)
            {
                continue;
            }

            if (!statement.MatchesActionAndResource(request))
            {
                continue;
            }

            var match = statement.MatchPrincipal(request, whenAbsent: isDeny ? PrincipalMatch.Principal : PrincipalMatch.None);
            if (match == PrincipalMatch.None || !statement.ConditionsHold(request.Context))
            {
                continue;
            }

            if (isDeny)
            {
                return ResourcePolicyDecision.Deny;
            }

            decision = match == PrincipalMatch.Principal ? ResourcePolicyDecision.AllowPrincipal : ResourcePolicyDecision.AllowAccount;
        }

        return decision;
    }
}
