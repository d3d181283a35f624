using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tracevault.Core;
using Tracevault.Core.Identity;
using Tracevault.Core.Policies;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    /// <summary>The alias prefix reserved for AWS managed keys.</summary>
    public const string AwsManagedAliasPrefix = "alias/aws/";

    /// <summary>The description of the AWS managed key of X-Ray.</summary>
    public const string XRayManagedKeyDescription = "Default master key that protects my X-Ray data when no other key is defined";

    private const int MaxOnDemandRotations = 10;

    /// <summary>CreateKey: a new key with fresh material, the default policy unless one is given.</summary>
    public KmsKey CreateKey(Caller caller, CreateKeyRequest request) => Run(caller, "CreateKey", false, call =>
    {
        ArgumentNullException.ThrowIfNull(request);
        var spec = request.KeySpec ?? KeySpecs.SymmetricDefault;
        call.RequestParameters["keySpec"] = spec;
        call.RequestParameters["keyUsage"] = request.KeyUsage ?? "ENCRYPT_DECRYPT";
        call.RequestParameters["origin"] = request.Origin ?? KeyOrigins.AwsKms;
        if (request.Description is not null)
        {
            call.RequestParameters["description"] = request.Description;
        }

        AuthorizeWithoutKey(caller, "CreateKey");
        if (!KeySpecs.Modelled.Contains(spec))
        {
            throw KmsErrors.Validation("keySpec", $"'{spec}'", "Member must satisfy enum value set: [" + string.Join(", ", KeySpecs.Modelled) + "]");
        }

        if (!KeySpecs.Supported.Contains(spec))
        {
            throw KmsErrors.Unsupported($"Tracevault does not support keys of spec {spec}.");
        }

        if (request.KeyUsage is null && spec != KeySpecs.SymmetricDefault)
        {
            throw KmsErrors.Validation("You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.");
        }

        var usage = request.KeyUsage ?? "ENCRYPT_DECRYPT";
        if (!KeySpecs.UsagesOf(spec).Contains(usage))
        {
            throw KmsErrors.Validation($"KeyUsage {usage} is not compatible with KeySpec {spec}.");
        }

        var origin = request.Origin ?? KeyOrigins.AwsKms;
        if (!KeyOrigins.Modelled.Contains(origin))
        {
            throw KmsErrors.Validation("origin", $"'{origin}'", "Member must satisfy enum value set: [" + string.Join(", ", KeyOrigins.Modelled) + "]");
        }

        if (origin is not KeyOrigins.AwsKms and not KeyOrigins.External)
        {
            throw KmsErrors.Unsupported($"Tracevault makes key material itself or imports it (Origin EXTERNAL): Origin {origin} is not supported.");
        }

        if (origin == KeyOrigins.External && spec != KeySpecs.SymmetricDefault)
        {
            throw KmsErrors.Unsupported($"Tracevault imports key material only into SYMMETRIC_DEFAULT keys: Origin EXTERNAL with KeySpec {spec} is not supported.");
        }

        if (request.MultiRegion)
        {
            throw KmsErrors.Unsupported("Tracevault does not support multi-Region keys.");
        }

        if (request.Description is { Length: > 8192 })
        {
            throw KmsErrors.Validation("description", "(too long)", "Member must have length less than or equal to 8192");
        }

        ValidateTags(request.Tags);
        var policy = request.Policy ?? DefaultPolicy(caller.AccountId);
        if (request.Policy is not null)
        {
            ValidatePolicy(request.Policy);
        }

        var keyId = Ids.NewUuid();
        if (request.Policy is not null && !request.BypassPolicyLockoutSafetyCheck)
        {
            var now = _time.GetUtcNow();
            RequireNoLockout(caller, new KmsKey(keyId, caller.AccountId, KeyArn(caller.AccountId, keyId), 0, now, "", usage, spec, "CUSTOMER", KeyState.Enabled, policy, []));
        }

        var key = NewKey(call, caller.AccountId, keyId, spec, usage, "CUSTOMER", request.Description ?? "", policy, request.Tags, rotationPeriodInDays: null, origin);
        call.Touch(key);
        call.ResponseElements = new JsonObject { ["keyMetadata"] = MetadataElements(key) };
        return key;
    });

    /// <summary>Gets the AWS managed key of a service in an account (<c>alias/aws/SERVICE</c>), creating it on first use.</summary>
    /// <remarks>Its owner may describe it and use it through the service, but not disable, delete, re-policy or rotate it.</remarks>
    public KmsKey GetOrCreateAwsManagedKey(string accountId, string service)
    {
        var aliasName = AwsManagedAliasPrefix + service;
        lock (_gate)
        {
            var existing = _keys.FindAlias(accountId, aliasName);
            if (existing is not null && LoadKey(existing.TargetKeyId) is { } found)
            {
                return found;
            }

            // Created by the service itself, in one unit with its alias and its record.
            var now = _time.GetUtcNow();
            var call = new KmsCall(Caller.ForService(accountId, service + ".amazonaws.com"), "CreateKey", false, now);
            try
            {
                // Looked for again once writers are serialized: another node may have made it meanwhile.
                Changes(call);
                if (_keys.FindAlias(accountId, aliasName) is { } madeMeanwhile && LoadKey(madeMeanwhile.TargetKeyId) is { } other)
                {
                    return other;
                }

                var keyId = Ids.NewUuid();
                var key = NewKey(call, accountId, keyId, KeySpecs.SymmetricDefault, "ENCRYPT_DECRYPT", "AWS",
                    service == "xray" ? XRayManagedKeyDescription : $"Default key that protects my {service} data when no other key is defined",
                    ManagedKeyPolicy(accountId, service), [], rotationPeriodInDays: 365);
                Changes(call).TryAddAlias(new KmsAlias(accountId, aliasName, keyId, now, now));
                call.ChangedKeyArns.Add(key.Arn);
                call.Touch(key);
                call.RequestParameters["keySpec"] = KeySpecs.SymmetricDefault;
                call.RequestParameters["description"] = key.Description;
                Record(call, null, "AwsServiceEvent");
                return key;
            }
            finally
            {
                Discard(call);
            }
        }
    }

    /// <summary>The key policy of an AWS managed key: the service may use it for the account's principals, and the account may read it.</summary>
    public string ManagedKeyPolicy(string accountId, string service) =>
        "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"auto-" + service + "-1\",\n  \"Statement\" : [ {\n"
        + "    \"Sid\" : \"Allow access through " + service + " for all principals in the account that are authorized to use " + service + "\",\n"
        + "    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"*\"\n    },\n"
        + "    \"Action\" : [ \"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", \"kms:GenerateDataKey*\", \"kms:CreateGrant\", \"kms:DescribeKey\" ],\n"
        + "    \"Resource\" : \"*\",\n    \"Condition\" : {\n      \"StringEquals\" : {\n"
        + "        \"kms:ViaService\" : \"" + service + "." + _options.Region + ".amazonaws.com\",\n        \"kms:CallerAccount\" : \"" + accountId + "\"\n      }\n    }\n  }, {\n"
        + "    \"Sid\" : \"Allow direct access to key metadata to the account\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::" + accountId + ":root\"\n    },\n"
        + "    \"Action\" : [ \"kms:Describe*\", \"kms:Get*\", \"kms:List*\", \"kms:RevokeGrant\" ],\n    \"Resource\" : \"*\"\n  } ]\n}";

    /// <summary>Adds a new key with fresh material to the call's changes; a key of origin EXTERNAL gets none (it is PendingImport).</summary>
    private KmsKey NewKey(KmsCall call, string accountId, string keyId, string spec, string usage, string manager, string description, string policy, IReadOnlyList<KmsTag> tags,
        int? rotationPeriodInDays, string origin = KeyOrigins.AwsKms)
    {
        var arn = KeyArn(accountId, keyId);
        var now = _time.GetUtcNow();
        if (origin == KeyOrigins.External)
        {
            var pending = new KmsKey(keyId, accountId, arn, 1, now, description, usage, spec, manager, KeyState.PendingImport, policy, tags) { Origin = origin, RevisedAt = now };
            Changes(call).AddKey(pending, null);
            Cache(call, pending);
            return pending;
        }

        byte[] material;
        byte[]? publicKey = null;
        switch (spec)
        {
            case KeySpecs.SymmetricDefault:
                material = RandomNumberGenerator.GetBytes(32);
                break;
            case var hmac when hmac.StartsWith("HMAC_", StringComparison.Ordinal):
                material = NewHmacMaterial(hmac);
                break;
            case var ecc when ecc.StartsWith("ECC_", StringComparison.Ordinal):
                using (var ecdsa = ECDsa.Create(KeySpecs.CurveOf(ecc)))
                {
                    material = ecdsa.ExportPkcs8PrivateKey();
                    publicKey = ecdsa.ExportSubjectPublicKeyInfo();
                }

                break;
            default:
                using (var rsa = RSA.Create(int.Parse(spec["RSA_".Length..], CultureInfo.InvariantCulture)))
                {
                    material = rsa.ExportPkcs8PrivateKey();
                    publicKey = rsa.ExportSubjectPublicKeyInfo();
                }

                break;
        }

        var key = new KmsKey(keyId, accountId, arn, 1, now, description, usage, spec, manager, KeyState.Enabled, policy, tags)
        {
            PublicKey = publicKey,
            RevisedAt = now,
            RotationPeriodInDays = rotationPeriodInDays,
            NextRotationDate = rotationPeriodInDays is { } days ? now.AddDays(days) : null,
        };
        var sealedMaterial = _rootKeys.Seal(material, KeyMaterialAssociatedData(arn, 1));
        CryptographicOperations.ZeroMemory(material);
        Changes(call).AddKey(key, new KeyVersion(keyId, 1, sealedMaterial, now, null));
        Cache(call, key);
        return key;
    }

    /// <summary>DescribeKey: a key's metadata, in every state.</summary>
    public KmsKey DescribeKey(Caller caller, string keyId, string? viaService = null) => Run(caller, "DescribeKey", true, call =>
    {
        call.RequestParameters["keyId"] = keyId;
        call.ViaService = viaService;
        var key = call.Touch(ResolveKey(caller, keyId, aliases: true));
        Authorize(caller, key, "DescribeKey", EncryptionContext.Empty, viaService: viaService);
        return key;
    });

    /// <summary>ListKeys: the caller's account's keys, AWS managed ones included.</summary>
    public KmsPage<KmsKey> ListKeys(Caller caller, int? limit, string? marker) => Run(caller, "ListKeys", true, call =>
    {
        AuthorizeWithoutKey(caller, "ListKeys");
        var keys = _keys.ListKeys(caller.AccountId).Select(k => Maintain(Current(k.KeyId))).Where(k => k.State != KeyState.Deleted).ToList();
        return Page(keys, limit, marker, 100, 1000);
    });

    /// <summary>UpdateKeyDescription.</summary>
    public void UpdateKeyDescription(Caller caller, string keyId, string description) => OnKey(caller, "UpdateKeyDescription", keyId, [("description", description)], (call, key) =>
    {
        if (description.Length > 8192)
        {
            throw KmsErrors.Validation("description", "(too long)", "Member must have length less than or equal to 8192");
        }

        Change(call, key, current =>
        {
            RequireNotPendingDeletion(current);
            return current with { Description = description };
        });
    });

    /// <summary>EnableKey.</summary>
    public void EnableKey(Caller caller, string keyId) => SetEnabled(caller, keyId, true);

    /// <summary>DisableKey.</summary>
    public void DisableKey(Caller caller, string keyId) => SetEnabled(caller, keyId, false);

    private void SetEnabled(Caller caller, string keyId, bool enabled) => OnKey(caller, enabled ? "EnableKey" : "DisableKey", keyId, [], (call, key) =>
    {
        RefuseAwsManaged(caller, key, call.EventName);
        Change(call, key, current =>
        {
            RequireNotPendingDeletion(current);
            RequireNotPendingImport(current);
            return current with { State = enabled ? KeyState.Enabled : KeyState.Disabled };
        });
    });

    /// <summary>ScheduleKeyDeletion: 7 to 30 days (default 30); afterwards the key's material is destroyed for good.</summary>
    public KmsKey ScheduleKeyDeletion(Caller caller, string keyId, int? pendingWindowInDays) =>
        OnKey(caller, "ScheduleKeyDeletion", false, keyId, [("pendingWindowInDays", pendingWindowInDays ?? 30)], (call, key) =>
        {
            var days = pendingWindowInDays ?? 30;
            RefuseAwsManaged(caller, key, "ScheduleKeyDeletion");
            if (days is < 7 or > 30)
            {
                throw KmsErrors.Validation("pendingWindowInDays", days.ToString(CultureInfo.InvariantCulture), "Member must have value between 7 and 30");
            }

            var scheduled = Change(call, key, current =>
            {
                RequireNotPendingDeletion(current);
                return current with { State = KeyState.PendingDeletion, DeletionDate = _time.GetUtcNow().AddDays(days), PendingWindowInDays = days };
            });
            call.ResponseElements = new JsonObject
            {
                ["keyId"] = scheduled.Arn,
                ["keyState"] = "PendingDeletion",
                ["deletionDate"] = FormatDate(scheduled.DeletionDate!.Value),
                ["pendingWindowInDays"] = days,
            };
            return scheduled;
        });

    /// <summary>CancelKeyDeletion: the key comes back Disabled.</summary>
    public KmsKey CancelKeyDeletion(Caller caller, string keyId) => OnKey(caller, "CancelKeyDeletion", false, keyId, [], (call, key) =>
        Change(call, key, current => current.State != KeyState.PendingDeletion
            ? throw KmsErrors.NotPendingDeletion(current.Arn)
            : current with { State = current.HasMaterial ? KeyState.Disabled : KeyState.PendingImport, DeletionDate = null, PendingWindowInDays = null }));

    /// <summary>EnableKeyRotation: automatic rotation every <paramref name="rotationPeriodInDays"/> days (90–2560, default 365).</summary>
    public void EnableKeyRotation(Caller caller, string keyId, int? rotationPeriodInDays) =>
        OnKey(caller, "EnableKeyRotation", keyId, [("rotationPeriodInDays", rotationPeriodInDays ?? 365)], (call, key) =>
        {
            var days = rotationPeriodInDays ?? 365;
            RefuseAwsManaged(caller, key, "EnableKeyRotation");
            if (days is < 90 or > 2560)
            {
                throw KmsErrors.Validation("rotationPeriodInDays", days.ToString(CultureInfo.InvariantCulture), "Member must have value between 90 and 2560");
            }

            RequireRotatable(key);
            RefuseImportedRotation(key);
            Change(call, key, current =>
            {
                RequireUsable(current);
                return current with { RotationPeriodInDays = days, NextRotationDate = _time.GetUtcNow().AddDays(days) };
            });
        });

    /// <summary>DisableKeyRotation.</summary>
    public void DisableKeyRotation(Caller caller, string keyId) => OnKey(caller, "DisableKeyRotation", keyId, [], (call, key) =>
    {
        RefuseAwsManaged(caller, key, "DisableKeyRotation");
        RequireRotatable(key);
        Change(call, key, current =>
        {
            RequireUsable(current);
            return current with { RotationPeriodInDays = null, NextRotationDate = null };
        });
    });

    /// <summary>GetKeyRotationStatus.</summary>
    public KeyRotationStatus GetKeyRotationStatus(Caller caller, string keyId) => OnKey(caller, "GetKeyRotationStatus", true, keyId, [], (_, key) =>
    {
        RequireRotatable(key);
        return new KeyRotationStatus(key.Arn, key.RotationPeriodInDays is not null, key.RotationPeriodInDays, key.NextRotationDate);
    });

    /// <summary>RotateKeyOnDemand: a new key version now, at most 10 times per key.</summary>
    public KmsKey RotateKeyOnDemand(Caller caller, string keyId) => OnKey(caller, "RotateKeyOnDemand", false, keyId, [], (call, key) =>
    {
        RefuseAwsManaged(caller, key, "RotateKeyOnDemand");
        RequireRotatable(key);
        RefuseImportedRotation(key);
        lock (_gate)
        {
            var current = CurrentForChange(call, key.KeyId);
            RequireUsable(current);
            if (current.OnDemandRotations >= MaxOnDemandRotations)
            {
                throw KmsErrors.RotationLimit(current.Arn);
            }

            return Rotate(call, current, "ON_DEMAND");
        }
    });

    /// <summary>ListKeyRotations: the rotations a key has had, oldest first.</summary>
    public KmsPage<KeyRotation> ListKeyRotations(Caller caller, string keyId, int? limit, string? marker) => OnKey(caller, "ListKeyRotations", true, keyId, [], (_, key) =>
    {
        RequireRotatable(key);
        var rotations = _keys.ListVersions(key.KeyId)
            .Where(v => v.RotationType is not null)
            .Select(v => new KeyRotation(key.KeyId, v.Version, v.CreatedAt, v.RotationType!, KeyMaterialId(key.Arn, v.Version), v.Version == key.CurrentVersion))
            .ToList();
        return Page(rotations, limit, marker, 100, 1000);
    });

    /// <summary>GetKeyPolicy: the key policy, as given (the default policy's exact text when none was).</summary>
    public string GetKeyPolicy(Caller caller, string keyId, string? policyName) => OnKey(caller, "GetKeyPolicy", true, keyId, [("policyName", policyName ?? "default")], (_, key) =>
    {
        RequireDefaultPolicyName(policyName);
        return key.Policy;
    });

    /// <summary>PutKeyPolicy: replaces the key policy after checking it parses and, unless <paramref name="bypassPolicyLockoutSafetyCheck"/>, that it still lets the caller change it.</summary>
    public void PutKeyPolicy(Caller caller, string keyId, string policy, string? policyName, bool bypassPolicyLockoutSafetyCheck = false) =>
        OnKey(caller, "PutKeyPolicy", keyId, [("policyName", policyName ?? "default"), ("policy", policy)], (call, key) =>
        {
            RefuseAwsManaged(caller, key, "PutKeyPolicy");
            RequireDefaultPolicyName(policyName);
            ValidatePolicy(policy);
            if (!bypassPolicyLockoutSafetyCheck)
            {
                RequireNoLockout(caller, key with { Policy = policy });
            }

            Change(call, key, current => current with { Policy = policy });
        });

    /// <summary>ListKeyPolicies: always <c>default</c>.</summary>
    public IReadOnlyList<string> ListKeyPolicies(Caller caller, string keyId) => OnKey(caller, "ListKeyPolicies", true, keyId, [], (_, _) => (IReadOnlyList<string>)["default"]);

    /// <summary>TagResource: adds or replaces tags.</summary>
    public void TagResource(Caller caller, string keyId, IReadOnlyList<KmsTag> tags) =>
        OnKey(caller, "TagResource", keyId, [("tags", new JsonArray(tags.Select(t => (JsonNode)new JsonObject { ["tagKey"] = t.TagKey, ["tagValue"] = t.TagValue }).ToArray()))], (call, key) =>
        {
            RefuseAwsManaged(caller, key, "TagResource");
            ValidateTags(tags);
            Change(call, key, current =>
            {
                RequireNotPendingDeletion(current);
                var merged = current.Tags.Where(t => !tags.Any(n => n.TagKey == t.TagKey)).Concat(tags).ToList();
                if (merged.Count > 50)
                {
                    throw KmsErrors.Tag("Too many tags");
                }

                return current with { Tags = merged };
            });
        });

    /// <summary>UntagResource.</summary>
    public void UntagResource(Caller caller, string keyId, IReadOnlyList<string> tagKeys) => OnKey(caller, "UntagResource", keyId, [("tagKeys", KmsAuditRecord.Strings(tagKeys))], (call, key) =>
    {
        RefuseAwsManaged(caller, key, "UntagResource");
        Change(call, key, current =>
        {
            RequireNotPendingDeletion(current);
            return current with { Tags = current.Tags.Where(t => !tagKeys.Contains(t.TagKey)).ToList() };
        });
    });

    /// <summary>ListResourceTags.</summary>
    public KmsPage<KmsTag> ListResourceTags(Caller caller, string keyId, int? limit, string? marker) =>
        OnKey(caller, "ListResourceTags", true, keyId, [], (_, key) => Page(key.Tags, limit, marker, 50, 50));

    /// <summary>GetPublicKey: the DER SubjectPublicKeyInfo of an asymmetric key.</summary>
    public PublicKeyResult GetPublicKey(Caller caller, string keyId) => Run(caller, "GetPublicKey", true, call =>
    {
        call.RequestParameters["keyId"] = keyId;
        var key = call.Touch(ResolveKey(caller, keyId, aliases: true));
        Authorize(caller, key, "GetPublicKey", EncryptionContext.Empty);
        RequireUsable(key);
        if (key.PublicKey is null)
        {
            throw KmsErrors.Unsupported($"{key.Arn} key usage is {key.KeyUsage} and key spec is {key.KeySpec}: a symmetric key has no public key.");
        }

        return new PublicKeyResult(key, key.PublicKey);
    });

    /// <summary>Applies a change to the newest revision of a key under the lock and appends it to the call's changes.</summary>
    private KmsKey Change(KmsCall call, KmsKey key, Func<KmsKey, KmsKey> change)
    {
        lock (_gate)
        {
            var current = CurrentForChange(call, key.KeyId);
            var changed = change(current);
            return Save(call, changed);
        }
    }

    private static void RefuseAwsManaged(Caller caller, KmsKey key, string operation)
    {
        if (key.IsAwsManaged)
        {
            throw KmsErrors.AwsManaged(caller.Arn, "kms:" + operation, key.Arn);
        }
    }

    /// <summary>Refuses a key policy that would keep the caller from ever changing it again (the lockout safety check).</summary>
    private void RequireNoLockout(Caller caller, KmsKey withNewPolicy)
    {
        try
        {
            Authorize(caller, withNewPolicy, "PutKeyPolicy", EncryptionContext.Empty);
        }
        catch (KmsException error) when (error.Code == "AccessDeniedException")
        {
            throw KmsErrors.MalformedPolicy("The new key policy will not allow you to update the key policy in the future.");
        }
    }

    private static void RequireRotatable(KmsKey key)
    {
        if (!key.IsSymmetric)
        {
            throw KmsErrors.Unsupported($"{key.Arn} key spec is {key.KeySpec}: only symmetric encryption keys can be rotated.");
        }
    }

    private static void RequireDefaultPolicyName(string? policyName)
    {
        if (policyName is not null and not "default")
        {
            throw KmsErrors.Validation("policyName", $"'{policyName}'", "Member must be default");
        }
    }

    private static void ValidatePolicy(string policy)
    {
        if (policy.Length > 32768)
        {
            throw KmsErrors.Validation("policy", "(too long)", "Member must have length less than or equal to 32768");
        }

        if (!PolicyDocument.TryParse(policy, out _, out var error))
        {
            throw KmsErrors.MalformedPolicy(error);
        }
    }

    private static void ValidateTags(IReadOnlyList<KmsTag> tags)
    {
        if (tags.Count > 50)
        {
            throw KmsErrors.Tag("Too many tags");
        }

        if (tags.Select(t => t.TagKey).Distinct(StringComparer.Ordinal).Count() != tags.Count)
        {
            throw KmsErrors.Tag("Duplicate tag keys");
        }

        foreach (var tag in tags)
        {
            if (tag.TagKey.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw KmsErrors.Tag("Tags beginning with aws: are reserved");
            }

            if (tag.TagKey.Length is 0 or > 128 || tag.TagValue.Length > 256)
            {
                throw KmsErrors.Tag("Tag keys must be 1 to 128 characters and tag values at most 256.");
            }
        }
    }

    private static KmsPage<T> Page<T>(IReadOnlyList<T> items, int? limit, string? marker, int defaultLimit, int maxLimit)
    {
        var size = limit ?? defaultLimit;
        if (size < 1 || size > maxLimit)
        {
            throw KmsErrors.Validation("limit", size.ToString(CultureInfo.InvariantCulture), $"Member must have value between 1 and {maxLimit.ToString(CultureInfo.InvariantCulture)}");
        }

        var start = 0;
        if (marker is not null && (!int.TryParse(marker, NumberStyles.None, CultureInfo.InvariantCulture, out start) || start > items.Count))
        {
            throw KmsErrors.InvalidMarker();
        }

        var page = items.Skip(start).Take(size).ToList();
        var next = start + page.Count < items.Count ? (start + page.Count).ToString(CultureInfo.InvariantCulture) : null;
        return new KmsPage<T>(page, next);
    }

    private static JsonObject MetadataElements(KmsKey key) => new()
    {
        ["AWSAccountId"] = key.AccountId,
        ["keyId"] = key.KeyId,
        ["arn"] = key.Arn,
        ["creationDate"] = FormatDate(key.CreationDate),
        ["enabled"] = key.State == KeyState.Enabled,
        ["keyUsage"] = key.KeyUsage,
        ["keyState"] = key.State.ToString(),
        ["origin"] = key.Origin,
        ["keyManager"] = key.KeyManager,
        ["keySpec"] = key.KeySpec,
    };
}
