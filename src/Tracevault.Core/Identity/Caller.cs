using Tracevault.Core.Policies;

namespace Tracevault.Core.Identity;

/// <summary>Who makes a request: a user of an account, or Tracevault itself acting for an account.</summary>
/// <param name="AccountId">The 12-digit account the caller belongs to (or acts for).</param>
/// <param name="Arn">The principal ARN, e.g. <c>arn:aws:iam::123456789012:user/alice</c>; for a service, its principal name.</param>
/// <param name="UserName">The user's name, or the service's name.</param>
/// <param name="AccessKeyId">The access key that signed the request, when one did.</param>
/// <param name="Policies">The identity policies attached to the caller.</param>
public sealed record Caller(string AccountId, string Arn, string UserName, string? AccessKeyId, IReadOnlyList<PolicyDocument> Policies)
{
    /// <summary>Set when the caller is Tracevault's own service principal acting on the account's behalf.</summary>
    public string? InvokedByService { get; init; }

    /// <summary>The caller's source address, for audit records and <c>aws:SourceIp</c>.</summary>
    public string SourceIp { get; init; } = "127.0.0.1";

    /// <summary>The caller's user agent, for audit records.</summary>
    public string UserAgent { get; init; } = "";

    /// <summary>The id of the request being served (its <c>x-amzn-RequestId</c>), for audit records; null for calls made in-process.</summary>
    public string? RequestId { get; init; }

    /// <summary>True when the caller is a service principal rather than a user.</summary>
    public bool IsService => InvokedByService is not null;

    /// <summary>The service principal Tracevault's trace store acts as, the way X-Ray does in AWS.</summary>
    public static Caller ForService(string accountId, string servicePrincipal) =>
        new(accountId, servicePrincipal, servicePrincipal, null, []) { InvokedByService = servicePrincipal, SourceIp = servicePrincipal, UserAgent = servicePrincipal };

    /// <summary>Whether the caller's identity policies allow <paramref name="action"/> on <paramref name="resource"/>.</summary>
    /// <remarks>For another account's resource, that resource's own policy must allow the caller as well; the caller checks that separately.</remarks>
    public PolicyDecision EvaluateIdentityPolicies(string action, string resource, IReadOnlyDictionary<string, IReadOnlyList<string>>? context = null)
    {
        if (IsService)
        {
            return PolicyDecision.NotApplicable;
        }

        var request = new AuthorizationRequest(Arn, AccountId, action, resource, context ?? EmptyContext);
        return PolicyEvaluator.EvaluateIdentity(Policies, request);
    }

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> EmptyContext = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>The ARN of the account's root principal.</summary>
    public static string AccountRootArn(string accountId) => $"arn:aws:iam::{accountId}:root";

    /// <summary>The ARN of a user of an account.</summary>
    public static string UserArn(string accountId, string userName) => $"arn:aws:iam::{accountId}:user/{userName}";

    /// <summary>A stable IAM-style unique id for a user ARN (AIDA + 17 characters), as audit records name the principal.</summary>
    public static string PrincipalId(string arn) =>
        "AIDA" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(arn)))[..17];
}
