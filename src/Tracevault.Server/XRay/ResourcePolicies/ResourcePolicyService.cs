using System.Globalization;
using System.Net;
using System.Text;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Server.Http;
using Tracevault.Storage.ResourcePolicies;

namespace Tracevault.Server.XRay.ResourcePolicies;

/// <summary>
/// X-Ray resource policies: an account's policies as the API sees them (validation, revisions, limits, the lockout check), and the
/// authorization of the X-Ray actions they govern, by the identity policies of the caller and the resource policies of the account acted on.
/// </summary>
/// <remarks>Thread-safe; every decision reads the shared store, so a change made on one node governs the next request on every node.</remarks>
public sealed class ResourcePolicyService
{
    /// <summary>How many resource policies an account may have: 5, X-Ray's limit.</summary>
    public const int MaxPolicies = 5;

    /// <summary>The largest policy document, in UTF-8 bytes: 5 KB (5,120), X-Ray's limit.</summary>
    public const int MaxDocumentBytes = 5120;

    /// <summary>The action the lockout check protects.</summary>
    public const string PutAction = "xray:PutResourcePolicy";

    private readonly IResourcePolicyRepository _policies;
    private readonly TimeProvider _time;
    private readonly ILogger<ResourcePolicyService> _logger;

    /// <summary>Creates the service.</summary>
    public ResourcePolicyService(IResourcePolicyRepository policies, TimeProvider time, ILogger<ResourcePolicyService> logger)
    {
        _policies = policies;
        _time = time;
        _logger = logger;
    }

    /// <summary>An account's policies, by name.</summary>
    public IReadOnlyList<XRayResourcePolicy> List(string accountId) => _policies.List(accountId);

    /// <summary>Creates or replaces the caller's account's policy <paramref name="name"/> and answers it as stored.</summary>
    /// <exception cref="ApiException">The name, document or revision is not valid, a limit is reached, or the policy would lock the caller out.</exception>
    public XRayResourcePolicy Put(Caller caller, string name, string document, string? revisionId, bool bypassLockoutCheck)
    {
        ArgumentNullException.ThrowIfNull(caller);
        CheckName(name);
        var parsed = ParseDocument(document);
        var expected = ParseRevision(revisionId);
        var account = caller.AccountId;
        if (!bypassLockoutCheck)
        {
            PolicyDocument[] after = [.. _policies.List(account).Where(p => p.Name != name).Select(p => PolicyDocument.Parse(p.Document)), parsed];
            if (Combine(after, Request(caller, account, PutAction)) == ResourcePolicyDecision.Deny)
            {
                throw new ApiException("LockoutPreventionException",
                    $"The policy '{name}' would deny {caller.Arn} the {PutAction} action, so it could not change or remove it later. Set BypassPolicyLockoutCheck to put it anyway.");
            }
        }

        var (outcome, policy) = _policies.Put(account, name, document, expected, _time.GetUtcNow(), MaxPolicies);
        switch (outcome)
        {
            case ResourcePolicyWriteOutcome.RevisionMismatch:
                throw RevisionMismatch(name, revisionId!);
            case ResourcePolicyWriteOutcome.LimitReached:
                throw new ApiException("PolicyCountLimitExceededException",
                    string.Create(CultureInfo.InvariantCulture, $"The account has {MaxPolicies} resource policies, the most it may have: delete one, or put a new version of one of them."));
        }

        LogMessages.ResourcePolicyChanged(_logger, name, account, string.Create(CultureInfo.InvariantCulture, $"put at revision {policy!.Revision}"), caller.Arn);
        return policy;
    }

    /// <summary>Deletes the caller's account's policy <paramref name="name"/>; a policy that does not exist is already deleted.</summary>
    /// <exception cref="ApiException">The name is not valid, or the revision is not the policy's.</exception>
    public void Delete(Caller caller, string name, string? revisionId)
    {
        ArgumentNullException.ThrowIfNull(caller);
        CheckName(name);
        if (_policies.Delete(caller.AccountId, name, ParseRevision(revisionId)) == ResourcePolicyWriteOutcome.RevisionMismatch)
        {
            throw RevisionMismatch(name, revisionId!);
        }

        LogMessages.ResourcePolicyChanged(_logger, name, caller.AccountId, "deleted", caller.Arn);
    }

    /// <summary>
    /// Requires that <paramref name="caller"/> may perform <paramref name="action"/> (an X-Ray action without a resource type) in
    /// <paramref name="targetAccount"/>: no identity or resource policy denies it, and, in its own account, an identity policy or a
    /// resource policy naming it allows it; in another account, a resource policy of that account and an identity policy of its own both do.
    /// </summary>
    /// <exception cref="ApiException"><c>AccessDeniedException</c>, worded as AWS words it.</exception>
    public void Authorize(Caller caller, string targetAccount, string action)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var request = Request(caller, targetAccount, action);
        var identity = caller.EvaluateIdentityPolicies(action, "*", request.Context);
        if (identity == PolicyDecision.Deny)
        {
            throw Denied(caller, action, "with an explicit deny in an identity-based policy");
        }

        var policies = _policies.List(targetAccount).Select(p => PolicyDocument.Parse(p.Document)).ToArray();
        var resource = Combine(policies, request);
        if (resource == ResourcePolicyDecision.Deny)
        {
            throw Denied(caller, action, "with an explicit deny in a resource-based policy");
        }

        if (targetAccount == caller.AccountId)
        {
            if (identity != PolicyDecision.Allow && resource != ResourcePolicyDecision.AllowPrincipal)
            {
                throw Denied(caller, action, $"because no identity-based policy allows the {action} action");
            }

            return;
        }

        if (resource == ResourcePolicyDecision.NotApplicable)
        {
            LogMessages.CrossAccountRefused(_logger, action, caller.Arn, targetAccount, "no resource policy of the account allows it");
            throw Denied(caller, action, $"because no resource-based policy of account {targetAccount} allows the {action} action");
        }

        if (identity != PolicyDecision.Allow)
        {
            LogMessages.CrossAccountRefused(_logger, action, caller.Arn, targetAccount, "no identity policy of the caller allows it");
            throw Denied(caller, action, $"because no identity-based policy allows the {action} action");
        }
    }

    /// <summary>Combines the decisions of several resource policies of one account: a deny in any wins, then the strongest allow.</summary>
    private static ResourcePolicyDecision Combine(IEnumerable<PolicyDocument> policies, AuthorizationRequest request)
    {
        var combined = ResourcePolicyDecision.NotApplicable;
        foreach (var policy in policies)
        {
            var decision = PolicyEvaluator.EvaluateResource(policy, request);
            if (decision == ResourcePolicyDecision.Deny)
            {
                return decision;
            }

            if (decision == ResourcePolicyDecision.AllowPrincipal || (decision == ResourcePolicyDecision.AllowAccount && combined == ResourcePolicyDecision.NotApplicable))
            {
                combined = decision;
            }
        }

        return combined;
    }

    /// <summary>
    /// The request as policies see it. The condition keys are those of a principal calling directly: <c>aws:SourceAccount</c> and
    /// <c>aws:SourceArn</c> are absent, as AWS gives them only to a service principal acting for a resource.
    /// </summary>
    private AuthorizationRequest Request(Caller caller, string targetAccount, string action)
    {
        var now = _time.GetUtcNow();
        var context = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["aws:PrincipalArn"] = [caller.Arn],
            ["aws:PrincipalAccount"] = [caller.AccountId],
            ["aws:ResourceAccount"] = [targetAccount],
            ["aws:CurrentTime"] = [now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)],
            ["aws:EpochTime"] = [now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)],
        };
        if (IPAddress.TryParse(caller.SourceIp, out _))
        {
            context["aws:SourceIp"] = [caller.SourceIp];
        }

        return new AuthorizationRequest(caller.Arn, caller.AccountId, action, "*", context);
    }

    private static PolicyDocument ParseDocument(string document)
    {
        var bytes = Encoding.UTF8.GetByteCount(document);
        if (bytes > MaxDocumentBytes)
        {
            throw new ApiException("PolicySizeLimitExceededException",
                string.Create(CultureInfo.InvariantCulture, $"The policy document is {bytes} bytes; a resource policy may be at most {MaxDocumentBytes} bytes (5 KB)."));
        }

        if (!PolicyDocument.TryParse(document, out var parsed, out var error))
        {
            throw Malformed(error);
        }

        for (var i = 0; i < parsed.Statements.Count; i++)
        {
            var statement = parsed.Statements[i];
            if (statement.Principals is null && statement.NotPrincipals is null)
            {
                throw Malformed(string.Create(CultureInfo.InvariantCulture,
                    $"Statement {i + 1} has neither Principal nor NotPrincipal; every statement of a resource policy names the principals it applies to."));
            }
        }

        return parsed;
    }

    private static long? ParseRevision(string? revisionId) =>
        revisionId is null ? null
        : long.TryParse(revisionId, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) ? revision
        : -1; // matches no revision: answered as a revision mismatch, as any id that is not the policy's

    private static void CheckName(string name)
    {
        if (name.Length is < 1 or > 128 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '=' or ',' or '.' or '@' or '-'))
        {
            throw new ApiException("InvalidRequestException", "PolicyName must be 1 to 128 characters of letters, digits and _+=,.@-.");
        }
    }

    private static ApiException Malformed(string reason) => new("MalformedPolicyDocumentException", $"The policy document is not valid: {reason}");

    private static ApiException RevisionMismatch(string name, string revisionId) => new("InvalidPolicyRevisionIdException",
        revisionId == "0"
            ? $"A resource policy named '{name}' already exists: PolicyRevisionId 0 creates a policy only when there is none of that name."
            : $"PolicyRevisionId '{revisionId}' is not the latest revision of the resource policy '{name}'.");

    private static ApiException Denied(Caller caller, string action, string reason) =>
        new("AccessDeniedException", $"User: {caller.Arn} is not authorized to perform: {action} on resource: * {reason}", ErrorResponses.AuthStatus(ApiProtocol.XRay));
}
