using Tracevault.Core.Identity;

namespace Tracevault.Keys.External;

/// <summary>The external key service of a Tracevault started without <c>--external-kms</c>: none; every key is the built-in KMS's.</summary>
public sealed class NoExternalKeyService : IExternalKeyService
{
    /// <inheritdoc />
    public bool Configured => false;

    /// <inheritdoc />
    public string Endpoint => "";

    /// <inheritdoc />
    public ExternalKeyDescription DescribeKey(string keyId, Caller onBehalfOf) => throw NotConfigured();

    /// <inheritdoc />
    public ExternalGrant CreateGrant(string keyArn, IReadOnlyDictionary<string, string> context, Caller onBehalfOf) => throw NotConfigured();

    /// <inheritdoc />
    public (byte[] Plaintext, byte[] CiphertextBlob) GenerateDataKey(string keyArn, IReadOnlyDictionary<string, string> context, string? grantToken, Caller onBehalfOf) => throw NotConfigured();

    /// <inheritdoc />
    public byte[] Decrypt(string keyArn, byte[] ciphertextBlob, IReadOnlyDictionary<string, string> context, string? grantToken, Caller onBehalfOf) => throw NotConfigured();

    private static ExternalKeyException NotConfigured() =>
        new(ExternalKeyException.UnreachableCode, "No external key service is configured (start Tracevault with --external-kms ENDPOINT).", unreachable: true);
}
