using System.Globalization;
using System.Net;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    /// <summary>Whether <paramref name="caller"/> could make <paramref name="operation"/> with <paramref name="context"/> on a key right now: enabled, not pending deletion, allowed by policy or grant.</summary>
    /// <remarks>Cheap: the answer is cached until <see cref="Generation"/> changes, so the trace store may ask per write. Not audited: it is no KMS call.</remarks>
    public KeyUsability CheckUsable(Caller caller, string keyArn, IReadOnlyDictionary<string, string> context, string operation = "GenerateDataKey")
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(context);
        var generation = Generation;
        var cacheKey = string.Join('\u001f', caller.Arn, caller.AccountId, keyArn, operation, Convert.ToBase64String(EncryptionContext.Encode(context)));
        if (_usability.TryGetValue(cacheKey, out var cached) && cached.Generation == generation)
        {
            return cached;
        }

        KeyUsability answer;
        try
        {
            var key = ResolveKey(caller, keyArn, aliases: true);
            Authorize(caller, key, operation, context);
            RequireUsable(key);
            if (!key.IsSymmetric)
            {
                throw KmsErrors.InvalidKeyUsage(key.Arn, key.KeyUsage, operation);
            }

            answer = new KeyUsability(true, null, null, generation);
        }
        catch (KmsException error)
        {
            answer = new KeyUsability(false, error.Code, error.Message, generation);
        }

        if (_usability.Count > 10_000)
        {
            // Answers of older generations are worthless; keep the cache from growing without bound.
            _usability.Clear();
        }

        _usability[cacheKey] = answer;
        return answer;
    }

    /// <summary>Finds the key an identifier names for a caller: key id or key ARN, and where <paramref name="aliases"/> is set, alias name or alias ARN.</summary>
    private KmsKey ResolveKey(Caller caller, string? identifier, bool aliases, string member = "keyId")
    {
        if (string.IsNullOrEmpty(identifier))
        {
            throw KmsErrors.Validation(member, "null", "Member must not be null");
        }

        if (identifier.Length > 2048)
        {
            throw KmsErrors.Validation(member, $"'{identifier[..32]}…'", "Member must have length less than or equal to 2048");
        }

        string accountId;
        string resource;
        if (identifier.StartsWith("arn:", StringComparison.Ordinal))
        {
            var parts = identifier.Split(':', 6);
            if (parts.Length != 6 || parts[2] != "kms" || parts[4].Length != 12 || !parts[4].All(char.IsAsciiDigit))
            {
                throw KmsErrors.InvalidKeyId(identifier);
            }

            if (parts[3] != _options.Region)
            {
                throw KmsErrors.InvalidArnRegion(parts[3]);
            }

            accountId = parts[4];
            resource = parts[5];
            if (resource.StartsWith("key/", StringComparison.Ordinal))
            {
                resource = resource["key/".Length..];
                if (!IsKeyId(resource))
                {
                    throw KmsErrors.InvalidKeyId(identifier);
                }
            }
            else if (!resource.StartsWith("alias/", StringComparison.Ordinal) || !aliases)
            {
                throw KmsErrors.InvalidKeyId(identifier);
            }
        }
        else
        {
            accountId = caller.AccountId;
            resource = identifier;
            if (resource.StartsWith("alias/", StringComparison.Ordinal))
            {
                if (!aliases)
                {
                    throw KmsErrors.InvalidKeyId(identifier);
                }
            }
            else if (!IsKeyId(resource))
            {
                throw KmsErrors.InvalidKeyId(identifier);
            }
        }

        string keyId;
        if (resource.StartsWith("alias/", StringComparison.Ordinal))
        {
            var alias = _keys.FindAlias(accountId, resource);
            if (alias is null && resource == AwsManagedAliasPrefix + "xray" && accountId == caller.AccountId)
            {
                return GetOrCreateAwsManagedKey(accountId, "xray");
            }

            keyId = alias?.TargetKeyId ?? throw KmsErrors.AliasNotFound(AliasArn(accountId, resource));
        }
        else
        {
            keyId = resource;
        }

        var key = LoadKey(keyId);
        if (key is null || key.State == KeyState.Deleted || key.AccountId != accountId)
        {
            throw KmsErrors.KeyDoesNotExist(KeyArn(accountId, keyId));
        }

        return key;
    }

    private static bool IsKeyId(string value) => value.Length == 36 && Guid.TryParseExact(value, "D", out _) && !value.Any(char.IsAsciiLetterUpper);

    /// <summary>Requires the key policy, the caller's IAM policies or a grant to allow <paramref name="operation"/> on <paramref name="key"/>.</summary>
    /// <remarks>
    /// Key policy Deny (or an IAM Deny) refuses; a key policy statement naming the caller allows; one naming only the caller's account
    /// allows when the caller's IAM policies allow as well; otherwise a grant for the caller that covers the operation and context allows.
    /// </remarks>
    private void Authorize(Caller caller, KmsKey key, string operation, IReadOnlyDictionary<string, string> context, IReadOnlyList<string>? grantOperations = null, string? viaService = null)
    {
        var action = "kms:" + operation;
        var conditions = ConditionContext(caller, context, grantOperations, viaService);
        var identity = caller.EvaluateIdentityPolicies(action, key.Arn, conditions);
        if (identity == PolicyDecision.Deny)
        {
            throw KmsErrors.ExplicitDeny(caller.Arn, action, key.Arn, "identity-based");
        }

        var request = new AuthorizationRequest(caller.Arn, caller.IsService ? "" : caller.AccountId, action, key.Arn, conditions) { PrincipalIsService = caller.IsService };
        var decision = PolicyEvaluator.EvaluateResource(Policy(key), request);
        switch (decision)
        {
            case ResourcePolicyDecision.Deny:
                throw KmsErrors.ExplicitDeny(caller.Arn, action, key.Arn, "resource-based");
            case ResourcePolicyDecision.AllowPrincipal:
                return;
            case ResourcePolicyDecision.AllowAccount when identity == PolicyDecision.Allow:
                return;
        }

        if (_keys.ListGrants(key.KeyId).Any(grant => grant.GranteePrincipal == caller.Arn && grant.Allows(operation, context)))
        {
            return;
        }

        throw KmsErrors.NotAuthorized(caller.Arn, action, key.Arn);
    }

    /// <summary>Requires the caller's IAM policies to allow an operation that has no key resource.</summary>
    private void AuthorizeWithoutKey(Caller caller, string operation)
    {
        var action = "kms:" + operation;
        var decision = caller.EvaluateIdentityPolicies(action, "*", ConditionContext(caller, EncryptionContext.Empty, null, null));
        if (decision == PolicyDecision.Deny)
        {
            throw KmsErrors.ExplicitDeny(caller.Arn, action, "*", "identity-based");
        }

        if (decision != PolicyDecision.Allow)
        {
            throw KmsErrors.NotAuthorizedByIdentity(caller.Arn, action, "*");
        }
    }

    private Dictionary<string, IReadOnlyList<string>> ConditionContext(Caller caller, IReadOnlyDictionary<string, string> context, IReadOnlyList<string>? grantOperations, string? viaService)
    {
        var conditions = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["kms:CallerAccount"] = [caller.AccountId],
            ["aws:PrincipalArn"] = [caller.Arn],
            ["aws:CurrentTime"] = [_time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)],
        };
        if (!caller.IsService)
        {
            conditions["aws:PrincipalAccount"] = [caller.AccountId];
        }

        if (IPAddress.TryParse(caller.SourceIp, out _))
        {
            conditions["aws:SourceIp"] = [caller.SourceIp];
        }

        var service = viaService ?? caller.InvokedByService;
        if (service is not null)
        {
            conditions["kms:ViaService"] = [ViaServiceName(service)];
        }

        if (context.Count > 0)
        {
            conditions["kms:EncryptionContextKeys"] = context.Keys.ToArray();
            foreach (var (key, value) in context)
            {
                conditions["kms:EncryptionContext:" + key] = [value];
            }
        }

        if (grantOperations is not null)
        {
            conditions["kms:GrantOperations"] = grantOperations;
        }

        return conditions;
    }

    /// <summary>The regional name a service's calls carry in <c>kms:ViaService</c>: <c>xray.amazonaws.com</c> becomes <c>xray.REGION.amazonaws.com</c>.</summary>
    private string ViaServiceName(string service)
    {
        const string suffix = ".amazonaws.com";
        return service.EndsWith(suffix, StringComparison.Ordinal) && service.Count(c => c == '.') == 2
            ? service[..^suffix.Length] + "." + _options.Region + suffix
            : service;
    }

    private static void RequireUsable(KmsKey key)
    {
        switch (key.State)
        {
            case KeyState.Disabled:
                throw KmsErrors.Disabled(key.Arn);
            case KeyState.PendingDeletion:
                throw KmsErrors.PendingDeletion(key.Arn);
            case KeyState.PendingImport:
                throw KmsErrors.PendingImport(key.Arn);
        }
    }

    private static void RequireNotPendingDeletion(KmsKey key)
    {
        if (key.State == KeyState.PendingDeletion)
        {
            throw KmsErrors.PendingDeletion(key.Arn);
        }
    }
}
