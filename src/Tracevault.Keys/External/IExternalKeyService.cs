using Tracevault.Core.Identity;

namespace Tracevault.Keys.External;

/// <summary>An external key service that speaks the AWS KMS API (AWS KMS itself, or another Tracevault), holding customer keys for encryption settings.</summary>
/// <remarks>
/// Every call is made with Tracevault's own credentials in that service, on behalf of <c>onBehalfOf</c> (recorded in
/// Tracevault's audit trail). Calls block until the service answers or its timeout passes. A refusal throws
/// <see cref="ExternalKeyException"/> with the service's error code; an unreachable service throws one with
/// <see cref="ExternalKeyException.Unreachable"/> set. Thread-safe.
/// </remarks>
public interface IExternalKeyService
{
    /// <summary>Whether an external key service is configured at all (<c>--external-kms</c>).</summary>
    bool Configured { get; }

    /// <summary>The service's endpoint, for messages and the console; empty when none is configured.</summary>
    string Endpoint { get; }

    /// <summary>DescribeKey: the key an identifier (key ARN or alias ARN) names there.</summary>
    ExternalKeyDescription DescribeKey(string keyId, Caller onBehalfOf);

    /// <summary>CreateGrant: lets Tracevault's identity there generate and decrypt data keys under the key, bound to <paramref name="context"/> (EncryptionContextSubset).</summary>
    ExternalGrant CreateGrant(string keyArn, IReadOnlyDictionary<string, string> context, Caller onBehalfOf);

    /// <summary>GenerateDataKey: a new AES-256 data key under the key, as plaintext (kept in memory only) and as the key's ciphertext.</summary>
    (byte[] Plaintext, byte[] CiphertextBlob) GenerateDataKey(string keyArn, IReadOnlyDictionary<string, string> context, string? grantToken, Caller onBehalfOf);

    /// <summary>Decrypt: the plaintext of a data key the key wrapped.</summary>
    byte[] Decrypt(string keyArn, byte[] ciphertextBlob, IReadOnlyDictionary<string, string> context, string? grantToken, Caller onBehalfOf);
}
