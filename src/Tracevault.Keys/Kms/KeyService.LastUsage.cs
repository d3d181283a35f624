using Tracevault.Core.Identity;
using Tracevault.Keys.Audit;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    /// <summary>The cryptographic operations GetKeyLastUsage reports (the model's <c>KeyLastUsageTrackingOperation</c>).</summary>
    public static readonly IReadOnlySet<string> LastUsageOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "Decrypt", "DeriveSharedSecret", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext",
        "GenerateDataKeyWithoutPlaintext", "GenerateMac", "ReEncrypt", "Sign", "Verify", "VerifyMac",
    };

    /// <summary>
    /// GetKeyLastUsage: the key's most recent successful cryptographic operation (its name, time, audit event id and request id) as
    /// the audit trail records it, with when tracking began (the key's creation: the trail holds every use since) and its creation date.
    /// </summary>
    /// <remarks>Authorized as DescribeKey is, by <c>kms:GetKeyLastUsage</c> in the key policy, IAM or a grant; answered in every key state; one indexed read.</remarks>
    public KeyLastUsage GetKeyLastUsage(Caller caller, string keyId) =>
        OnKey(caller, "GetKeyLastUsage", true, keyId, [], (call, key) => new KeyLastUsage(key, _audit.FindKeyLastUse(key.Arn), key.CreationDate));

    /// <summary>What a successful call was the most recent cryptographic use of: each key it used, with the event id of its owner's record.</summary>
    private static IReadOnlyList<KeyLastUse> LastUses(KmsCall call, KmsException? error, List<AuditEvent> events, string requestId) =>
        error is not null || !LastUsageOperations.Contains(call.EventName)
            ? []
            : [.. call.Keys.Select(key => new KeyLastUse(key.Arn, call.EventName, call.Time, events.First(e => e.RecipientAccountId == key.AccountId).EventId, requestId))];
}
