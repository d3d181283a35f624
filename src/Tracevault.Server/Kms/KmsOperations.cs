using System.Text.Json;
using Tracevault.Core.Identity;
using Tracevault.Keys.Kms;
using Tracevault.Server.Http;

namespace Tracevault.Server.Kms;

/// <summary>The KMS JSON 1.1 operations (<c>X-Amz-Target: TrentService.*</c>): each reads its request, calls the <see cref="KeyService"/> and writes the model's response shape.</summary>
internal static partial class KmsOperations
{
    private delegate void Operation(KeyService keys, Caller caller, JsonElement request, Utf8JsonWriter response);

    /// <summary>Registers every KMS operation.</summary>
    public static void Map(ApiRouter router, KeyService keys)
    {
        Add(router, keys, "CreateKey", (s, c, r, w) =>
        {
            if (r.TryGetProperty("CustomerMasterKeySpec", out _) && r.TryGetProperty("KeySpec", out _))
            {
                throw new KmsException("ValidationException", "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.");
            }

            var key = s.CreateKey(c, new CreateKeyRequest
            {
                Policy = KmsJson.String(r, "Policy"),
                Description = KmsJson.String(r, "Description"),
                KeyUsage = KmsJson.String(r, "KeyUsage"),
                KeySpec = KmsJson.String(r, "KeySpec") ?? KmsJson.String(r, "CustomerMasterKeySpec"),
                Origin = KmsJson.String(r, "Origin"),
                Tags = KmsJson.Tags(r),
                MultiRegion = KmsJson.Bool(r, "MultiRegion"),
                BypassPolicyLockoutSafetyCheck = KmsJson.Bool(r, "BypassPolicyLockoutSafetyCheck"),
            });
            KmsJson.Metadata(w, key);
        });
        Add(router, keys, "DescribeKey", (s, c, r, w) => KmsJson.Metadata(w, s.DescribeKey(c, KmsJson.RequiredString(r, "KeyId"))));
        Add(router, keys, "ListKeys", (s, c, r, w) =>
        {
            var page = s.ListKeys(c, KmsJson.Int(r, "Limit"), KmsJson.String(r, "Marker"));
            w.WriteStartArray("Keys");
            foreach (var key in page.Items)
            {
                w.WriteStartObject();
                w.WriteString("KeyId", key.KeyId);
                w.WriteString("KeyArn", key.Arn);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            KmsJson.Paging(w, page);
        });
        Add(router, keys, "UpdateKeyDescription", (s, c, r, w) => s.UpdateKeyDescription(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.RequiredString(r, "Description")));
        Add(router, keys, "CreateAlias", (s, c, r, w) => s.CreateAlias(c, KmsJson.RequiredString(r, "AliasName"), KmsJson.RequiredString(r, "TargetKeyId")));
        Add(router, keys, "UpdateAlias", (s, c, r, w) => s.UpdateAlias(c, KmsJson.RequiredString(r, "AliasName"), KmsJson.RequiredString(r, "TargetKeyId")));
        Add(router, keys, "DeleteAlias", (s, c, r, w) => s.DeleteAlias(c, KmsJson.RequiredString(r, "AliasName")));
        Add(router, keys, "ListAliases", (s, c, r, w) =>
        {
            var page = s.ListAliases(c, KmsJson.String(r, "KeyId"), KmsJson.Int(r, "Limit"), KmsJson.String(r, "Marker"));
            w.WriteStartArray("Aliases");
            foreach (var alias in page.Items)
            {
                w.WriteStartObject();
                w.WriteString("AliasName", alias.AliasName);
                w.WriteString("AliasArn", s.AliasArn(alias.AccountId, alias.AliasName));
                w.WriteString("TargetKeyId", alias.TargetKeyId);
                KmsJson.Epoch(w, "CreationDate", alias.CreationDate);
                KmsJson.Epoch(w, "LastUpdatedDate", alias.LastUpdatedDate);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            KmsJson.Paging(w, page);
        });
        Add(router, keys, "EnableKey", (s, c, r, w) => s.EnableKey(c, KmsJson.RequiredString(r, "KeyId")));
        Add(router, keys, "DisableKey", (s, c, r, w) => s.DisableKey(c, KmsJson.RequiredString(r, "KeyId")));
        Add(router, keys, "ScheduleKeyDeletion", (s, c, r, w) =>
        {
            var key = s.ScheduleKeyDeletion(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.Int(r, "PendingWindowInDays"));
            w.WriteString("KeyId", key.Arn);
            KmsJson.Epoch(w, "DeletionDate", key.DeletionDate!.Value);
            w.WriteString("KeyState", key.State.ToString());
            w.WriteNumber("PendingWindowInDays", key.PendingWindowInDays!.Value);
        });
        Add(router, keys, "CancelKeyDeletion", (s, c, r, w) => w.WriteString("KeyId", s.CancelKeyDeletion(c, KmsJson.RequiredString(r, "KeyId")).Arn));
        Add(router, keys, "EnableKeyRotation", (s, c, r, w) => s.EnableKeyRotation(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.Int(r, "RotationPeriodInDays")));
        Add(router, keys, "DisableKeyRotation", (s, c, r, w) => s.DisableKeyRotation(c, KmsJson.RequiredString(r, "KeyId")));
        Add(router, keys, "GetKeyRotationStatus", (s, c, r, w) =>
        {
            var status = s.GetKeyRotationStatus(c, KmsJson.RequiredString(r, "KeyId"));
            w.WriteBoolean("KeyRotationEnabled", status.Enabled);
            w.WriteString("KeyId", status.KeyArn);
            if (status.RotationPeriodInDays is { } days)
            {
                w.WriteNumber("RotationPeriodInDays", days);
            }

            if (status.NextRotationDate is { } next)
            {
                KmsJson.Epoch(w, "NextRotationDate", next);
            }
        });
        Add(router, keys, "RotateKeyOnDemand", (s, c, r, w) => w.WriteString("KeyId", s.RotateKeyOnDemand(c, KmsJson.RequiredString(r, "KeyId")).KeyId));
        Add(router, keys, "ListKeyRotations", (s, c, r, w) =>
        {
            var page = s.ListKeyRotations(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.Int(r, "Limit"), KmsJson.String(r, "Marker"));
            w.WriteStartArray("Rotations");
            foreach (var rotation in page.Items)
            {
                w.WriteStartObject();
                w.WriteString("KeyId", rotation.KeyId);
                w.WriteString("KeyMaterialId", rotation.KeyMaterialId);
                w.WriteString("KeyMaterialState", rotation.Current ? "CURRENT" : "NON_CURRENT");
                KmsJson.Epoch(w, "RotationDate", rotation.RotationDate);
                w.WriteString("RotationType", rotation.RotationType);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            KmsJson.Paging(w, page);
        });
        Add(router, keys, "Encrypt", (s, c, r, w) =>
        {
            var result = s.Encrypt(c, new EncryptRequest(KmsJson.RequiredString(r, "KeyId"), KmsJson.Blob(r, "Plaintext") ?? Required("plaintext"), KmsJson.Context(r, "EncryptionContext"))
            {
                EncryptionAlgorithm = KmsJson.String(r, "EncryptionAlgorithm"),
                GrantTokens = KmsJson.Strings(r, "GrantTokens"),
                DryRun = KmsJson.Bool(r, "DryRun"),
            });
            w.WriteBase64String("CiphertextBlob", result.CiphertextBlob);
            w.WriteString("KeyId", result.KeyArn);
            w.WriteString("EncryptionAlgorithm", result.EncryptionAlgorithm);
        });
        Add(router, keys, "Decrypt", (s, c, r, w) =>
        {
            if (r.TryGetProperty("Recipient", out var recipient) && recipient.ValueKind != JsonValueKind.Null)
            {
                throw new KmsException("UnsupportedOperationException", "Tracevault does not support Nitro Enclaves attestation (Recipient).");
            }

            var result = s.Decrypt(c, new DecryptRequest(KmsJson.Blob(r, "CiphertextBlob") ?? Required("ciphertextBlob"), KmsJson.Context(r, "EncryptionContext"))
            {
                KeyId = KmsJson.String(r, "KeyId"),
                EncryptionAlgorithm = KmsJson.String(r, "EncryptionAlgorithm"),
                GrantTokens = KmsJson.Strings(r, "GrantTokens"),
                DryRun = KmsJson.Bool(r, "DryRun"),
            });
            w.WriteString("KeyId", result.KeyArn);
            w.WriteBase64String("Plaintext", result.Plaintext);
            w.WriteString("EncryptionAlgorithm", result.EncryptionAlgorithm);
        });
        Add(router, keys, "ReEncrypt", (s, c, r, w) =>
        {
            var result = s.ReEncrypt(c, new ReEncryptRequest(KmsJson.Blob(r, "CiphertextBlob") ?? Required("ciphertextBlob"), KmsJson.Context(r, "SourceEncryptionContext"),
                KmsJson.RequiredString(r, "DestinationKeyId"), KmsJson.Context(r, "DestinationEncryptionContext"))
            {
                SourceKeyId = KmsJson.String(r, "SourceKeyId"),
                GrantTokens = KmsJson.Strings(r, "GrantTokens"),
                DryRun = KmsJson.Bool(r, "DryRun"),
            });
            w.WriteBase64String("CiphertextBlob", result.CiphertextBlob);
            w.WriteString("SourceKeyId", result.SourceKeyArn);
            w.WriteString("KeyId", result.KeyArn);
            w.WriteString("SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
            w.WriteString("DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
        });
        Add(router, keys, "GenerateDataKey", (s, c, r, w) =>
        {
            var result = s.GenerateDataKey(c, DataKeyRequest(r));
            w.WriteBase64String("CiphertextBlob", result.CiphertextBlob);
            w.WriteBase64String("Plaintext", result.Plaintext);
            w.WriteString("KeyId", result.KeyArn);
        });
        Add(router, keys, "GenerateDataKeyWithoutPlaintext", (s, c, r, w) =>
        {
            var result = s.GenerateDataKeyWithoutPlaintext(c, DataKeyRequest(r));
            w.WriteBase64String("CiphertextBlob", result.CiphertextBlob);
            w.WriteString("KeyId", result.KeyArn);
        });
        Add(router, keys, "GenerateRandom", (s, c, r, w) => w.WriteBase64String("Plaintext", s.GenerateRandom(c, KmsJson.Int(r, "NumberOfBytes"))));
        Add(router, keys, "CreateGrant", (s, c, r, w) =>
        {
            var grantee = KmsJson.String(r, "GranteePrincipal") ?? KmsJson.String(r, "GranteeServicePrincipal") ?? "";
            var result = s.CreateGrant(c, new CreateGrantRequest(KmsJson.RequiredString(r, "KeyId"), grantee, KmsJson.Strings(r, "Operations"))
            {
                RetiringPrincipal = KmsJson.String(r, "RetiringPrincipal") ?? KmsJson.String(r, "RetiringServicePrincipal"),
                Constraints = KmsJson.Constraints(r),
                Name = KmsJson.String(r, "Name"),
                GrantTokens = KmsJson.Strings(r, "GrantTokens"),
                DryRun = KmsJson.Bool(r, "DryRun"),
            });
            w.WriteString("GrantToken", result.GrantToken);
            w.WriteString("GrantId", result.GrantId);
        });
        Add(router, keys, "ListGrants", (s, c, r, w) =>
        {
            var page = s.ListGrants(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.String(r, "GrantId"),
                KmsJson.String(r, "GranteePrincipal") ?? KmsJson.String(r, "GranteeServicePrincipal"), KmsJson.Int(r, "Limit"), KmsJson.String(r, "Marker"));
            w.WriteStartArray("Grants");
            foreach (var grant in page.Items)
            {
                WriteGrant(w, grant);
            }

            w.WriteEndArray();
            KmsJson.Paging(w, page);
        });
        Add(router, keys, "RetireGrant", (s, c, r, w) =>
        {
            s.RetireGrant(c, KmsJson.String(r, "GrantToken"), KmsJson.String(r, "KeyId"), KmsJson.String(r, "GrantId"), KmsJson.Bool(r, "DryRun"));
        });
        Add(router, keys, "RevokeGrant", (s, c, r, w) =>
        {
            s.RevokeGrant(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.RequiredString(r, "GrantId"), KmsJson.Bool(r, "DryRun"));
        });
        Add(router, keys, "GetKeyPolicy", (s, c, r, w) =>
        {
            w.WriteString("Policy", s.GetKeyPolicy(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.String(r, "PolicyName")));
            w.WriteString("PolicyName", "default");
        });
        Add(router, keys, "PutKeyPolicy", (s, c, r, w) =>
            s.PutKeyPolicy(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.RequiredString(r, "Policy"), KmsJson.String(r, "PolicyName"), KmsJson.Bool(r, "BypassPolicyLockoutSafetyCheck")));
        Add(router, keys, "ListKeyPolicies", (s, c, r, w) =>
        {
            KmsJson.StringArray(w, "PolicyNames", s.ListKeyPolicies(c, KmsJson.RequiredString(r, "KeyId")));
            w.WriteBoolean("Truncated", false);
        });
        Add(router, keys, "TagResource", (s, c, r, w) => s.TagResource(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.Tags(r)));
        Add(router, keys, "UntagResource", (s, c, r, w) => s.UntagResource(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.Strings(r, "TagKeys")));
        Add(router, keys, "ListResourceTags", (s, c, r, w) =>
        {
            var page = s.ListResourceTags(c, KmsJson.RequiredString(r, "KeyId"), KmsJson.Int(r, "Limit"), KmsJson.String(r, "Marker"));
            w.WriteStartArray("Tags");
            foreach (var tag in page.Items)
            {
                w.WriteStartObject();
                w.WriteString("TagKey", tag.TagKey);
                w.WriteString("TagValue", tag.TagValue);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            KmsJson.Paging(w, page);
        });
        Add(router, keys, "GetPublicKey", (s, c, r, w) =>
        {
            var result = s.GetPublicKey(c, KmsJson.RequiredString(r, "KeyId"));
            w.WriteString("KeyId", result.Key.Arn);
            w.WriteBase64String("PublicKey", result.PublicKey);
            w.WriteString("CustomerMasterKeySpec", result.Key.KeySpec);
            w.WriteString("KeySpec", result.Key.KeySpec);
            w.WriteString("KeyUsage", result.Key.KeyUsage);
            var encryption = KeySpecs.EncryptionAlgorithms(result.Key);
            if (encryption.Count > 0)
            {
                KmsJson.StringArray(w, "EncryptionAlgorithms", encryption);
            }

            var signing = KeySpecs.SigningAlgorithms(result.Key);
            if (signing.Count > 0)
            {
                KmsJson.StringArray(w, "SigningAlgorithms", signing);
            }

            var agreement = KeySpecs.KeyAgreementAlgorithms(result.Key);
            if (agreement.Count > 0)
            {
                KmsJson.StringArray(w, "KeyAgreementAlgorithms", agreement);
            }
        });
        MapSign(router, keys);
        MapPairs(router, keys);
        MapImport(router, keys);
        MapGrants(router, keys);
    }

    private static void Add(ApiRouter router, KeyService keys, string name, Operation operation) =>
        router.Map(ApiProtocol.Kms, name, async request =>
        {
            using var document = request.ReadJson();
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            try
            {
                using var writer = new Utf8JsonWriter(buffer);
                writer.WriteStartObject();
                var caller = request.Http.Items[typeof(ApiDispatcher)] is string requestId ? request.Caller with { RequestId = requestId } : request.Caller;
                operation(keys, caller, document.RootElement, writer);
                writer.WriteEndObject();
            }
            catch (KmsException error)
            {
                throw new ApiException(error.Code, error.Message, 400);
            }

            await ApiResponses.WriteAsync(request, writer => writer.WriteRawValue(buffer.WrittenSpan, skipInputValidation: true)).ConfigureAwait(false);
        });

    private static GenerateDataKeyRequest DataKeyRequest(JsonElement r) => new(KmsJson.RequiredString(r, "KeyId"), KmsJson.Context(r, "EncryptionContext"))
    {
        KeySpec = KmsJson.String(r, "KeySpec"),
        NumberOfBytes = KmsJson.Int(r, "NumberOfBytes"),
        GrantTokens = KmsJson.Strings(r, "GrantTokens"),
        DryRun = KmsJson.Bool(r, "DryRun"),
    };

    private static void WriteGrant(Utf8JsonWriter w, KmsGrant grant)
    {
        w.WriteStartObject();
        w.WriteString("KeyId", grant.KeyArn);
        w.WriteString("GrantId", grant.GrantId);
        if (grant.Name.Length > 0)
        {
            w.WriteString("Name", grant.Name);
        }

        KmsJson.Epoch(w, "CreationDate", grant.CreationDate);
        w.WriteString(grant.GranteeIsService ? "GranteeServicePrincipal" : "GranteePrincipal", grant.GranteePrincipal);
        if (grant.GranteeIsService)
        {
            // Older clients only know GranteePrincipal; both name the same principal.
            w.WriteString("GranteePrincipal", grant.GranteePrincipal);
        }

        if (grant.RetiringPrincipal is not null)
        {
            w.WriteString("RetiringPrincipal", grant.RetiringPrincipal);
        }

        w.WriteString("IssuingAccount", grant.IssuingAccount);
        KmsJson.StringArray(w, "Operations", grant.Operations);
        if (grant.Constraints is { } constraints)
        {
            w.WriteStartObject("Constraints");
            if (constraints.EncryptionContextEquals is { } equals)
            {
                KmsJson.Context(w, "EncryptionContextEquals", equals);
            }

            if (constraints.EncryptionContextSubset is { } subset)
            {
                KmsJson.Context(w, "EncryptionContextSubset", subset);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static byte[] Required(string member) =>
        throw new KmsException("ValidationException", $"1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null");
}
