using Tracevault.Core.Identity;
using Tracevault.Core.Policies;
using Tracevault.Keys.External;
using Tracevault.Keys.Kms;

namespace Tracevault.Keys.Settings;

/// <summary>X-Ray's data-protection contract: choosing an account's encryption, and its propagation from <c>UPDATING</c> to <c>ACTIVE</c>.</summary>
/// <remarks>
/// A change appends a new setting version. Every live node picks it up, obtains its data key and acknowledges it; the
/// status is <c>ACTIVE</c> once all live nodes have. Meanwhile data may be sealed under the old or the new setting.
/// A node takes a setting up even when its key cannot be used (disabled before the change reached it): it then stops
/// storing the account's data, as with any unusable key, and the status still becomes <c>ACTIVE</c>.
/// Existing data is never re-encrypted. Thread-safe.
/// </remarks>
public sealed class EncryptionSettingsService
{
    /// <summary>The status while nodes are still taking a change up.</summary>
    public const string Updating = "UPDATING";

    /// <summary>The status once every live node applies the setting.</summary>
    public const string Active = "ACTIVE";

    private const string ManagedAlias = "alias/aws/xray";
    private static readonly string[] GrantOperations = ["GenerateDataKey", "Decrypt", "DescribeKey"];

    private readonly KeyService _kms;
    private readonly IEncryptionSettingRepository _settings;
    private readonly DataKeyPolicy _policy;
    private readonly TimeProvider _time;
    private readonly EncryptionSettingsOptions _options;
    private readonly IExternalKeyService _external;

    /// <summary>Creates the service for the node <paramref name="nodeId"/>.</summary>
    public EncryptionSettingsService(KeyService kms, IEncryptionSettingRepository settings, DataKeyPolicy policy, TimeProvider time, EncryptionSettingsOptions options, IExternalKeyService external, string nodeId)
    {
        _external = external;
        _kms = kms;
        _settings = settings;
        _policy = policy;
        _time = time;
        _options = options;
        NodeId = nodeId;
    }

    /// <summary>This node's id.</summary>
    public string NodeId { get; }

    /// <summary>The account's current setting and its status.</summary>
    public (EncryptionSetting Setting, string Status) Get(string accountId)
    {
        var setting = _settings.FindCurrent(accountId) ?? EncryptionSetting.Default(accountId);
        return (setting, StatusOf(setting));
    }

    /// <summary>Changes an account's encryption; answers with the new setting, <c>UPDATING</c>.</summary>
    /// <exception cref="EncryptionSettingException">The key is unknown, asymmetric, not enabled, malformed, or the caller lacks rights on it.</exception>
    public (EncryptionSetting Setting, string Status) Put(Caller caller, EncryptionType type, string? keyId)
    {
        string? keyArn = null;
        ExternalGrant? grant = null;
        if (type == EncryptionType.None)
        {
            if (keyId is not null)
            {
                throw Invalid("KeyId must be omitted when Type is NONE.");
            }
        }
        else
        {
            (keyArn, grant) = ResolveKmsKey(caller, keyId);
        }

        while (true)
        {
            var current = _settings.FindCurrent(caller.AccountId) ?? EncryptionSetting.Default(caller.AccountId);
            var next = new EncryptionSetting(caller.AccountId, current.Version + 1, type, keyArn, _time.GetUtcNow(), caller.Arn) { ExternalGrant = grant };
            if (_settings.TryAppend(next))
            {
                return (next, Updating);
            }
        }
    }

    /// <summary>One round of propagation on this node: notice key changes other nodes made, report alive, take up new settings, acknowledge them, recheck stopped accounts.</summary>
    public void PropagateOnce()
    {
        _kms.ObserveStoreChanges();
        var now = _time.GetUtcNow();
        _settings.Heartbeat(NodeId, now);
        foreach (var setting in _settings.ListCurrent())
        {
            if (_policy.Applied(setting.AccountId).Version >= setting.Version && _settings.AcknowledgedBy(setting.AccountId, setting.Version).Contains(NodeId))
            {
                continue;
            }

            // Acknowledged even when the new key cannot be used: the node has taken the setting up and stopped storing under it,
            // so the status settles at ACTIVE with storing stopped, rather than UPDATING for ever while data goes to the old key.
            _policy.Apply(setting);
            _settings.Acknowledge(setting.AccountId, setting.Version, NodeId, now);
        }

        _policy.RecheckStopped();
    }

    private string StatusOf(EncryptionSetting setting)
    {
        if (setting.Version == 0)
        {
            return Active;
        }

        var live = _settings.LiveNodes(_time.GetUtcNow() - _options.NodeTimeout);
        var acknowledged = _settings.AcknowledgedBy(setting.AccountId, setting.Version);
        return acknowledged.Count > 0 && live.All(acknowledged.Contains) ? Active : Updating;
    }

    private (string KeyArn, ExternalGrant? Grant) ResolveKmsKey(Caller caller, string? keyId)
    {
        if (string.IsNullOrEmpty(keyId))
        {
            throw Invalid("KeyId is required when Type is KMS: give an alias name, alias ARN, key id or key ARN.");
        }

        if (keyId.Length > 3000 || keyId.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw Invalid($"'{Shorten(keyId)}' is not a KMS key id, key ARN, alias name or alias ARN.");
        }

        if (keyId == ManagedAlias || keyId == _kms.AliasArn(caller.AccountId, ManagedAlias))
        {
            return (_kms.GetOrCreateAwsManagedKey(caller.AccountId, "xray").Arn, null);
        }

        KmsKey key;
        try
        {
            key = _kms.DescribeKey(caller, keyId, DataKeyPolicy.ServicePrincipal);
        }
        catch (KmsException error) when (error.Code == "AccessDeniedException")
        {
            throw new EncryptionSettingException("AccessDeniedException", $"You need kms:DescribeKey and kms:CreateGrant on the KMS key '{keyId}' to choose it for X-Ray encryption. {error.Message}");
        }
        catch (KmsException error) when (error.Code == "NotFoundException" && _external.Configured && keyId.StartsWith("arn:", StringComparison.Ordinal))
        {
            // A key ARN the built-in KMS does not hold: the external key service's, when one is configured.
            return ResolveExternalKey(caller, keyId);
        }
        catch (KmsException error)
        {
            throw Invalid($"The KMS key '{keyId}' cannot be used: {error.Message}");
        }

        if (!key.IsSymmetric)
        {
            throw Invalid(key.KeySpec.StartsWith("HMAC_", StringComparison.Ordinal)
                ? $"X-Ray does not support HMAC KMS keys: {key.Arn} is {key.KeySpec}. Choose a symmetric encryption key."
                : $"X-Ray does not support asymmetric KMS keys: {key.Arn} is {key.KeySpec}. Choose a symmetric encryption key.");
        }

        if (key.State != KeyState.Enabled)
        {
            throw Invalid(key.State switch
            {
                KeyState.Disabled => $"The KMS key {key.Arn} is disabled. Enable it or choose another key.",
                KeyState.PendingDeletion => $"The KMS key {key.Arn} is pending deletion. Cancel its deletion or choose another key.",
                _ => $"The KMS key {key.Arn} is {key.State} and cannot be used.",
            });
        }

        if (!key.IsAwsManaged)
        {
            try
            {
                _kms.CreateGrant(caller, new CreateGrantRequest(key.Arn, DataKeyPolicy.ServicePrincipal, GrantOperations)
                {
                    Name = $"tracevault-xray-{caller.AccountId}",
                    RetiringPrincipal = caller.Arn,
                    Constraints = new GrantConstraints(null, _policy.EncryptionContext(caller.AccountId)),
                });
            }
            catch (KmsException error) when (error.Code == "AccessDeniedException")
            {
                throw new EncryptionSettingException("AccessDeniedException", $"You need kms:DescribeKey and kms:CreateGrant on the KMS key {key.Arn} to choose it for X-Ray encryption. {error.Message}");
            }
            catch (KmsException error)
            {
                throw Invalid($"Tracevault could not create its grant on the KMS key {key.Arn}: {error.Message}");
            }
        }

        return (key.Arn, null);
    }

    /// <summary>Checks a key of the external key service and makes Tracevault's grant there; the caller's Tracevault policies must allow kms:DescribeKey and kms:CreateGrant on it.</summary>
    private (string KeyArn, ExternalGrant Grant) ResolveExternalKey(Caller caller, string keyId)
    {
        RequireExternalRights(caller, keyId);
        ExternalKeyDescription key;
        try
        {
            key = _external.DescribeKey(keyId, caller);
        }
        catch (ExternalKeyException error) when (error.Unreachable)
        {
            throw Invalid($"The KMS key '{keyId}' cannot be checked: the external key service {_external.Endpoint} is unreachable ({error.Message}).");
        }
        catch (ExternalKeyException error)
        {
            throw Invalid($"The KMS key '{keyId}' cannot be used: {error.Code}: {error.Message}");
        }

        if (key.KeyArn != keyId)
        {
            RequireExternalRights(caller, key.KeyArn);
        }

        if (key.KeySpec != "SYMMETRIC_DEFAULT" || key.KeyUsage != "ENCRYPT_DECRYPT")
        {
            throw Invalid($"X-Ray does not support asymmetric KMS keys: {key.KeyArn} is {key.KeySpec} for {key.KeyUsage}. Choose a symmetric encryption key.");
        }

        if (key.KeyState != "Enabled")
        {
            throw Invalid(key.KeyState switch
            {
                "Disabled" => $"The KMS key {key.KeyArn} is disabled. Enable it or choose another key.",
                "PendingDeletion" => $"The KMS key {key.KeyArn} is pending deletion. Cancel its deletion or choose another key.",
                _ => $"The KMS key {key.KeyArn} is {key.KeyState} and cannot be used.",
            });
        }

        try
        {
            return (key.KeyArn, _external.CreateGrant(key.KeyArn, _policy.EncryptionContext(caller.AccountId), caller));
        }
        catch (ExternalKeyException error) when (error.Code == "AccessDeniedException")
        {
            throw new EncryptionSettingException("AccessDeniedException", $"Tracevault could not create its grant on the external KMS key {key.KeyArn}: the key service refused it ({error.Message}).");
        }
        catch (ExternalKeyException error)
        {
            throw Invalid($"Tracevault could not create its grant on the external KMS key {key.KeyArn}: {error.Code}: {error.Message}");
        }
    }

    /// <summary>The seal's rule for a key the caller has no identity for: its Tracevault policies must allow kms:DescribeKey and kms:CreateGrant on it.</summary>
    private static void RequireExternalRights(Caller caller, string keyArn)
    {
        foreach (var action in (string[])["kms:DescribeKey", "kms:CreateGrant"])
        {
            if (caller.EvaluateIdentityPolicies(action, keyArn) != PolicyDecision.Allow)
            {
                throw new EncryptionSettingException("AccessDeniedException", $"You need kms:DescribeKey and kms:CreateGrant on the KMS key {keyArn} to choose it for X-Ray encryption: {caller.Arn} is not authorized to perform {action} on it.");
            }
        }
    }

    private static EncryptionSettingException Invalid(string message) => new("InvalidRequestException", message);

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
