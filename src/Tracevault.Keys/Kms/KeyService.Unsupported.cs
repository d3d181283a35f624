using System.Globalization;
using System.Text.RegularExpressions;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Kms;

public sealed partial class KeyService
{
    /// <summary>The operations on custom key stores (AWS CloudHSM clusters and external key store proxies), which Tracevault does not offer.</summary>
    public static readonly IReadOnlySet<string> CustomKeyStoreOperations = new HashSet<string>(StringComparer.Ordinal)
    {
        "CreateCustomKeyStore", "ConnectCustomKeyStore", "DeleteCustomKeyStore", "DescribeCustomKeyStores", "DisconnectCustomKeyStore", "UpdateCustomKeyStore",
    };

    /// <summary>
    /// Answers a custom key store operation: validates its members as the model constrains them, authorizes it by the caller's IAM
    /// policy (these operations have no key), records it, and refuses it with UnsupportedOperationException.
    /// </summary>
    /// <param name="caller">Who asks.</param>
    /// <param name="operation">One of <see cref="CustomKeyStoreOperations"/>.</param>
    /// <param name="customKeyStoreId">The store's id, where the operation names one.</param>
    /// <param name="customKeyStoreName">The store's name, where the operation names one.</param>
    /// <param name="limit">DescribeCustomKeyStores' page size, if given.</param>
    public void RefuseCustomKeyStore(Caller caller, string operation, string? customKeyStoreId, string? customKeyStoreName, int? limit = null) =>
        Run(caller, operation, operation == "DescribeCustomKeyStores", call =>
        {
            if (!CustomKeyStoreOperations.Contains(operation))
            {
                throw new ArgumentException($"{operation} is not a custom key store operation.", nameof(operation));
            }

            // Only identifiers are recorded: never a key store password or a proxy's authentication credential.
            Parameter(call, "customKeyStoreId", customKeyStoreId, 64);
            Parameter(call, "customKeyStoreName", customKeyStoreName, 256);
            if (limit is < 1 or > 1000)
            {
                throw KmsErrors.Validation("limit", limit.Value.ToString(CultureInfo.InvariantCulture), "Member must have value between 1 and 1000");
            }

            AuthorizeWithoutKey(caller, operation);
            throw KmsErrors.Unsupported(
                $"Tracevault does not offer custom key stores ({operation}): its keys are kept in its own store, sealed under its root key, "
                + "and one self-hosted service has no AWS CloudHSM cluster or external key store proxy to keep them in.");
        });

    /// <summary>
    /// Answers ReplicateKey or UpdatePrimaryRegion: validates the Region, finds and authorizes the key as AWS KMS does, records the call,
    /// and refuses it with UnsupportedOperationException, since no key is multi-Region.
    /// </summary>
    /// <param name="caller">Who asks.</param>
    /// <param name="operation"><c>ReplicateKey</c> or <c>UpdatePrimaryRegion</c>.</param>
    /// <param name="keyId">The key id or key ARN.</param>
    /// <param name="region">The replica Region or the new primary Region.</param>
    public void RefuseMultiRegion(Caller caller, string operation, string keyId, string region) =>
        Run(caller, operation, false, call =>
        {
            var regionMember = operation switch
            {
                "ReplicateKey" => "replicaRegion",
                "UpdatePrimaryRegion" => "primaryRegion",
                _ => throw new ArgumentException($"{operation} is not a multi-Region operation.", nameof(operation)),
            };
            call.RequestParameters["keyId"] = keyId;
            Parameter(call, regionMember, region, 32);
            if (!RegionName().IsMatch(region))
            {
                throw KmsErrors.Validation(regionMember, $"'{region}'", "Member must satisfy regular expression pattern: ^([a-z]+-){2,3}\\d+$");
            }

            var key = call.Touch(ResolveKey(caller, keyId, aliases: false));
            Authorize(caller, key, operation, EncryptionContext.Empty);
            throw KmsErrors.Unsupported(
                $"{key.Arn} is not a multi-Region key: Tracevault is one service in one Region ({_options.Region}) and does not offer multi-Region keys, "
                + $"so it cannot {(operation == "ReplicateKey" ? "replicate a key to " : "move a key's primary Region to ")}{region}.");
        });

    /// <summary>Records an optional string member and checks its length against the model's bounds.</summary>
    private static void Parameter(KmsCall call, string member, string? value, int maxLength)
    {
        if (value is null)
        {
            return;
        }

        call.RequestParameters[member] = value.Length > maxLength ? value[..maxLength] : value;
        if (value.Length == 0 || value.Length > maxLength)
        {
            throw KmsErrors.Validation(member, $"'{(value.Length > 32 ? value[..32] + "…" : value)}'",
                string.Create(CultureInfo.InvariantCulture, $"Member must have length between 1 and {maxLength}"));
        }
    }

    [GeneratedRegex(@"^([a-z]+-){2,3}\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex RegionName();
}
