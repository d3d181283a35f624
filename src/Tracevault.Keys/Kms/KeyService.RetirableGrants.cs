using System.Text.RegularExpressions;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    /// <summary>
    /// ListRetirableGrants: the grants, on keys of any account, that name <paramref name="retiringPrincipal"/> (a principal of the caller's
    /// account) or, for a service caller, <paramref name="retiringServicePrincipal"/> as their retiring principal.
    /// </summary>
    /// <remarks>
    /// Authorized as AWS KMS does: by the caller's IAM policy allowing <c>kms:ListRetirableGrants</c> on the retiring principal, never
    /// by a key policy, and without checking access to the keys whose grants it returns.
    /// </remarks>
    public KmsPage<KmsGrant> ListRetirableGrants(Caller caller, string? retiringPrincipal, string? retiringServicePrincipal, int? limit, string? marker) =>
        Run(caller, "ListRetirableGrants", true, call =>
        {
            const string action = "kms:ListRetirableGrants";
            if ((retiringPrincipal is null) == (retiringServicePrincipal is null))
            {
                throw KmsErrors.Validation("You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both.");
            }

            string principal;
            if (retiringPrincipal is not null)
            {
                Parameter(call, "retiringPrincipal", retiringPrincipal, 256);
                if (!PrincipalId().IsMatch(retiringPrincipal))
                {
                    throw KmsErrors.Validation("retiringPrincipal", $"'{retiringPrincipal}'", "Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$");
                }

                var parts = retiringPrincipal.Split(':', 6);
                if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[4].Length != 12 || !parts[4].All(char.IsAsciiDigit))
                {
                    throw KmsErrors.InvalidArn(retiringPrincipal);
                }

                // A principal of another account is not the caller's to list, whatever its IAM policy says.
                var identity = caller.EvaluateIdentityPolicies(action, retiringPrincipal, ConditionContext(caller, EncryptionContext.Empty, null, null));
                if (identity == PolicyDecision.Deny)
                {
                    throw KmsErrors.ExplicitDeny(caller.Arn, action, retiringPrincipal, "identity-based");
                }

                if (caller.IsService || parts[4] != caller.AccountId || (identity != PolicyDecision.Allow && caller.Arn != Caller.AccountRootArn(caller.AccountId)))
                {
                    throw KmsErrors.NotAuthorizedByIdentity(caller.Arn, action, retiringPrincipal);
                }

                principal = retiringPrincipal;
            }
            else
            {
                Parameter(call, "retiringServicePrincipal", retiringServicePrincipal, 128);
                if (!caller.IsService || caller.Arn != retiringServicePrincipal)
                {
                    // The filter is only usable by callers in a service principal, and only for themselves.
                    throw KmsErrors.NotAuthorizedByIdentity(caller.Arn, action, retiringServicePrincipal!);
                }

                principal = retiringServicePrincipal!;
            }

            return Page(_keys.ListGrantsByRetiringPrincipal(principal), limit, marker, 50, 100);
        });

    [GeneratedRegex(@"^[\w+=,.@:/-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PrincipalId();
}
