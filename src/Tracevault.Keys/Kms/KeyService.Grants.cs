using System.Text.Json.Nodes;
using Tracevault.Core;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    /// <summary>The operations a grant may allow.</summary>
    public static readonly IReadOnlySet<string> GrantOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "Sign", "Verify",
        "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    };

    /// <summary>CreateGrant: lets a principal (an ARN, or a service principal such as <c>xray.amazonaws.com</c>) use a key for some operations.</summary>
    /// <remarks>With a <see cref="CreateGrantRequest.Name"/>, creating the same grant again answers the same grant id with a new token.</remarks>
    public CreateGrantResult CreateGrant(Caller caller, CreateGrantRequest request) => Run(caller, "CreateGrant", false, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        call.RequestParameters["keyId"] = request.KeyId;
        call.RequestParameters["granteePrincipal"] = request.GranteePrincipal;
        if (request.RetiringPrincipal is not null)
        {
            call.RequestParameters["retiringPrincipal"] = request.RetiringPrincipal;
        }

        call.RequestParameters["operations"] = KmsAuditRecord.Strings(request.Operations);
        if (request.Constraints is not null)
        {
            var constraints = new JsonObject();
            if (request.Constraints.EncryptionContextEquals is { } equals)
            {
                constraints["encryptionContextEquals"] = ContextNode(equals);
            }

            if (request.Constraints.EncryptionContextSubset is { } subset)
            {
                constraints["encryptionContextSubset"] = ContextNode(subset);
            }

            call.RequestParameters["constraints"] = constraints;
        }

        if (request.Name is not null)
        {
            call.RequestParameters["name"] = request.Name;
        }

        ValidateGrantTokens(request.GrantTokens);
        var key = call.Touch(ResolveKey(caller, request.KeyId, aliases: false));
        Authorize(caller, key, "CreateGrant", EncryptionContext.Empty, request.Operations);
        if (string.IsNullOrEmpty(request.GranteePrincipal))
        {
            throw KmsErrors.Validation("granteePrincipal", "null", "Member must not be null");
        }

        if (request.Operations.Count == 0 || request.Operations.Any(o => !GrantOperations.Contains(o)))
        {
            throw KmsErrors.Validation("operations", "[" + string.Join(", ", request.Operations) + "]", "Member must satisfy constraint: [Member must satisfy enum value set: [" + string.Join(", ", GrantOperations) + "]]");
        }

        if (request.Constraints is { } c && ((c.EncryptionContextEquals?.Count ?? 0) > 8 || (c.EncryptionContextSubset?.Count ?? 0) > 8))
        {
            throw KmsErrors.Validation("The grant constraints may hold at most 8 encryption context pairs each.");
        }

        RequireUsable(key);
        StopIfDryRun(request.DryRun);
        lock (_gate)
        {
            if (!string.IsNullOrEmpty(request.Name))
            {
                var same = _keys.ListGrants(key.KeyId).FirstOrDefault(g => g.Name == request.Name && g.GranteePrincipal == request.GranteePrincipal
                    && g.RetiringPrincipal == request.RetiringPrincipal && g.Operations.Order().SequenceEqual(request.Operations.Order())
                    && SameConstraints(g.Constraints, request.Constraints));
                if (same is not null)
                {
                    call.ResponseElements = new JsonObject { ["grantId"] = same.GrantId };
                    return new CreateGrantResult(same.GrantId, KmsGrantToken.Create(key.KeyId, same.GrantId));
                }
            }

            var grant = new KmsGrant(Ids.NewHex(32), key.KeyId, key.Arn, request.Name ?? "", _time.GetUtcNow(), request.GranteePrincipal, request.RetiringPrincipal,
                Caller.AccountRootArn(caller.AccountId), request.Operations.Distinct().ToList(), request.Constraints);
            Changes(call).AddGrant(grant);
            call.ChangedKeyArns.Add(key.Arn);
            call.ResponseElements = new JsonObject { ["grantId"] = grant.GrantId };
            return new CreateGrantResult(grant.GrantId, KmsGrantToken.Create(key.KeyId, grant.GrantId));
        }
    });

    /// <summary>ListGrants: the grants of a key, optionally one grant or one grantee's.</summary>
    public KmsPage<KmsGrant> ListGrants(Caller caller, string keyId, string? grantId, string? granteePrincipal, int? limit, string? marker) => Run(caller, "ListGrants", true, call =>
    {
        call.RequestParameters["keyId"] = keyId;
        var key = call.Touch(ResolveKey(caller, keyId, aliases: false));
        Authorize(caller, key, "ListGrants", EncryptionContext.Empty);
        var grants = _keys.ListGrants(key.KeyId)
            .Where(g => (grantId is null || g.GrantId == grantId) && (granteePrincipal is null || g.GranteePrincipal == granteePrincipal))
            .ToList();
        return Page(grants, limit, marker, 50, 100);
    });

    /// <summary>RetireGrant: by grant token, or by key and grant id; the grant decides who may retire it (<see cref="AuthorizeRetire"/>).</summary>
    public void RetireGrant(Caller caller, string? grantToken, string? keyId, string? grantId, bool dryRun = false) => Run(caller, "RetireGrant", false, call =>
    {
        string resolvedKeyId;
        string resolvedGrantId;
        if (!string.IsNullOrEmpty(grantToken))
        {
            if (grantToken.Length > 8192 || !KmsGrantToken.TryRead(grantToken, out resolvedKeyId, out resolvedGrantId))
            {
                throw KmsErrors.InvalidGrantToken();
            }
        }
        else if (keyId is not null && grantId is not null)
        {
            if (grantId.Length is 0 or > 128)
            {
                throw KmsErrors.Validation("grantId", $"'{grantId[..Math.Min(grantId.Length, 32)]}'", "Member must have length between 1 and 128");
            }

            resolvedKeyId = ResolveKey(caller, keyId, aliases: false).KeyId;
            resolvedGrantId = grantId;
        }
        else
        {
            throw KmsErrors.Validation("Either GrantToken, or both KeyId and GrantId, must be given.");
        }

        call.RequestParameters["grantId"] = resolvedGrantId;
        var key = LoadKey(resolvedKeyId);
        if (key is null || key.State == KeyState.Deleted)
        {
            throw grantToken is null ? KmsErrors.KeyDoesNotExist(KeyArn(caller.AccountId, resolvedKeyId)) : KmsErrors.InvalidGrantToken();
        }

        call.Touch(key);
        call.RequestParameters["keyId"] = key.Arn;
        if (!IsGrantId(resolvedGrantId))
        {
            throw KmsErrors.InvalidGrantId(resolvedGrantId);
        }

        var grant = _keys.ListGrants(key.KeyId).FirstOrDefault(g => g.GrantId == resolvedGrantId) ?? throw KmsErrors.GrantNotFound(resolvedGrantId);
        AuthorizeRetire(caller, key, grant);
        StopIfDryRun(dryRun);
        Changes(call).DeleteGrant(key.KeyId, grant.GrantId);
        call.ChangedKeyArns.Add(key.Arn);
    });

    /// <summary>
    /// Requires that <paramref name="caller"/> may retire <paramref name="grant"/>, as AWS KMS decides it ("Retiring and revoking grants"):
    /// the grant's retiring principal; its grantee when the grant allows RetireGrant; the account that owns the key or issued the grant
    /// (its root, or a principal of it whose IAM policy allows <c>kms:RetireGrant</c>); a principal whose IAM policy allows it in the account
    /// named as retiring principal. <c>kms:RetireGrant</c> in a key policy, or in another grant, counts for nothing; an IAM Deny refuses.
    /// </summary>
    private void AuthorizeRetire(Caller caller, KmsKey key, KmsGrant grant)
    {
        const string action = "kms:RetireGrant";
        var identity = caller.EvaluateIdentityPolicies(action, key.Arn, ConditionContext(caller, EncryptionContext.Empty, null, null));
        if (identity == PolicyDecision.Deny)
        {
            throw KmsErrors.ExplicitDeny(caller.Arn, action, key.Arn, "identity-based");
        }

        if (caller.Arn == grant.RetiringPrincipal || (caller.Arn == grant.GranteePrincipal && grant.Operations.Contains("RetireGrant", StringComparer.Ordinal)))
        {
            return;
        }

        // The accounts that may retire it: the key's owner, the grant's issuer, and an account named as its retiring principal.
        var root = Caller.AccountRootArn(caller.AccountId);
        var accountMay = !caller.IsService && (caller.AccountId == key.AccountId || root == grant.IssuingAccount || root == grant.RetiringPrincipal);
        if (accountMay && (caller.Arn == root || identity == PolicyDecision.Allow))
        {
            return;
        }

        throw KmsErrors.NotAuthorizedByIdentity(caller.Arn, action, key.Arn);
    }

    private static bool IsGrantId(string value) => value.Length == 64 && value.All(char.IsAsciiHexDigitLower);

    /// <summary>RevokeGrant: deletes a grant at once.</summary>
    public void RevokeGrant(Caller caller, string keyId, string grantId, bool dryRun = false) => Run(caller, "RevokeGrant", false, call =>
    {
        call.RequestParameters["keyId"] = keyId;
        call.RequestParameters["grantId"] = grantId;
        var key = call.Touch(ResolveKey(caller, keyId, aliases: false));
        Authorize(caller, key, "RevokeGrant", EncryptionContext.Empty);
        if (_keys.ListGrants(key.KeyId).All(g => g.GrantId != grantId))
        {
            throw KmsErrors.GrantNotFound(grantId);
        }

        StopIfDryRun(dryRun);
        if (!Changes(call).DeleteGrant(key.KeyId, grantId))
        {
            throw KmsErrors.GrantNotFound(grantId);
        }

        call.ChangedKeyArns.Add(key.Arn);
    });

    private static JsonObject ContextNode(IReadOnlyDictionary<string, string> context)
    {
        var node = new JsonObject();
        foreach (var (key, value) in context)
        {
            node[key] = value;
        }

        return node;
    }

    private static bool SameConstraints(GrantConstraints? a, GrantConstraints? b) =>
        SameContext(a?.EncryptionContextEquals, b?.EncryptionContextEquals) && SameContext(a?.EncryptionContextSubset, b?.EncryptionContextSubset);

    private static bool SameContext(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        a is null || b is null ? a is null && b is null : a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
