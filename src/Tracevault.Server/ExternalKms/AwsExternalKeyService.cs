using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Tracevault.Core;
using Tracevault.Core.Identity;
using Tracevault.Keys.Audit;
using Tracevault.Keys.External;

namespace Tracevault.Server.ExternalKms;

/// <summary>The external key service reached through the AWS SDK for .NET (<c>AWSSDK.KeyManagementService</c>), one client per region, every call recorded in Tracevault's own audit trail.</summary>
/// <remarks>
/// The region of each call is the key ARN's; credentials come from <see cref="ExternalKmsOptions.Profile"/> or else the standard
/// AWS chain. Plaintext data keys are only in answers, never in requests. Thread-safe.
/// </remarks>
public sealed class AwsExternalKeyService : IExternalKeyService, IDisposable
{
    private readonly ExternalKmsOptions _options;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<AwsExternalKeyService> _logger;
    private readonly AWSCredentials? _credentials;
    private readonly ConcurrentDictionary<string, AmazonKeyManagementServiceClient> _clients = new(StringComparer.Ordinal);

    /// <summary>Creates the service for the configured endpoint; the credentials are resolved now, so a missing profile fails the start.</summary>
    public AwsExternalKeyService(ExternalKmsOptions options, IAuditLog audit, TimeProvider time, ILogger<AwsExternalKeyService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _audit = audit;
        _time = time;
        _logger = logger;
        if (options.Profile is { } profile)
        {
            var profiles = new CredentialProfileStoreChain(options.ProfilesLocation);
            if (!profiles.TryGetAWSCredentials(profile, out var credentials))
            {
                throw new ArgumentException($"--external-kms-profile: no profile '{profile}' in the shared credentials files.");
            }

            _credentials = credentials;
        }

        LogMessages.ExternalKmsConfigured(logger, Endpoint, options.Grantee ?? "");
    }

    /// <inheritdoc />
    public bool Configured => true;

    /// <inheritdoc />
    public string Endpoint => _options.Endpoint!.ToString().TrimEnd('/');

    /// <inheritdoc />
    public ExternalKeyDescription DescribeKey(string keyId, Caller onBehalfOf)
    {
        var metadata = Call(onBehalfOf, "DescribeKey", keyId, readOnly: true, new Dictionary<string, object?> { ["keyId"] = keyId },
            client => client.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId })).KeyMetadata;
        return new ExternalKeyDescription(metadata.Arn, metadata.KeyState?.Value ?? "Unknown", metadata.KeySpec?.Value ?? "SYMMETRIC_DEFAULT", metadata.KeyUsage?.Value ?? "ENCRYPT_DECRYPT");
    }

    /// <inheritdoc />
    public ExternalGrant CreateGrant(string keyArn, IReadOnlyDictionary<string, string> context, Caller onBehalfOf)
    {
        var operations = new List<string> { "GenerateDataKey", "Decrypt" };
        var request = new CreateGrantRequest
        {
            KeyId = keyArn,
            GranteePrincipal = _options.Grantee,
            Operations = operations,
            Name = $"tracevault-xray-{onBehalfOf.AccountId}",
            Constraints = new GrantConstraints { EncryptionContextSubset = new Dictionary<string, string>(context, StringComparer.Ordinal) },
        };
        var parameters = new Dictionary<string, object?>
        {
            ["keyId"] = keyArn,
            ["granteePrincipal"] = _options.Grantee,
            ["operations"] = operations,
            ["constraints"] = new Dictionary<string, object?> { ["encryptionContextSubset"] = context },
        };
        var response = Call(onBehalfOf, "CreateGrant", keyArn, readOnly: false, parameters, client => client.CreateGrantAsync(request));
        return new ExternalGrant(response.GrantId, response.GrantToken ?? "");
    }

    /// <inheritdoc />
    public (byte[] Plaintext, byte[] CiphertextBlob) GenerateDataKey(string keyArn, IReadOnlyDictionary<string, string> context, string? grantToken, Caller onBehalfOf)
    {
        var request = new GenerateDataKeyRequest
        {
            KeyId = keyArn,
            KeySpec = DataKeySpec.AES_256,
            EncryptionContext = new Dictionary<string, string>(context, StringComparer.Ordinal),
            GrantTokens = string.IsNullOrEmpty(grantToken) ? null : [grantToken],
        };
        var response = Call(onBehalfOf, "GenerateDataKey", keyArn, readOnly: true,
            new Dictionary<string, object?> { ["keyId"] = keyArn, ["keySpec"] = "AES_256", ["encryptionContext"] = context },
            client => client.GenerateDataKeyAsync(request));
        return (TakeBytes(response.Plaintext), TakeBytes(response.CiphertextBlob));
    }

    /// <inheritdoc />
    public byte[] Decrypt(string keyArn, byte[] ciphertextBlob, IReadOnlyDictionary<string, string> context, string? grantToken, Caller onBehalfOf)
    {
        var request = new DecryptRequest
        {
            KeyId = keyArn,
            CiphertextBlob = new MemoryStream(ciphertextBlob, writable: false),
            EncryptionContext = new Dictionary<string, string>(context, StringComparer.Ordinal),
            GrantTokens = string.IsNullOrEmpty(grantToken) ? null : [grantToken],
        };
        var response = Call(onBehalfOf, "Decrypt", keyArn, readOnly: true,
            new Dictionary<string, object?> { ["keyId"] = keyArn, ["encryptionAlgorithm"] = "SYMMETRIC_DEFAULT", ["encryptionContext"] = context },
            client => client.DecryptAsync(request));
        return TakeBytes(response.Plaintext);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>The bytes of an answer's stream, which is then zeroed: a plaintext key lives in one array only.</summary>
    private static byte[] TakeBytes(MemoryStream stream)
    {
        var bytes = stream.ToArray();
        if (stream.TryGetBuffer(out var buffer))
        {
            Array.Clear(buffer.Array!, buffer.Offset, buffer.Count);
        }

        return bytes;
    }

    /// <summary>Makes one call in the key ARN's region, records it in the audit trail, and turns every failure into an <see cref="ExternalKeyException"/>.</summary>
    private T Call<T>(Caller onBehalfOf, string operation, string keyId, bool readOnly, Dictionary<string, object?> parameters, Func<AmazonKeyManagementServiceClient, Task<T>> call)
    {
        var at = _time.GetUtcNow();
        try
        {
            var region = RegionOf(keyId);
            var client = _clients.GetOrAdd(region, CreateClient);

            // The SDK for .NET is asynchronous only; the trace store's key path is synchronous, and each call is bounded by CallTimeout.
            var result = call(client).GetAwaiter().GetResult();
            Record(onBehalfOf, operation, keyId, readOnly, parameters, at, null);
            return result;
        }
        catch (AmazonServiceException error) when ((int)error.StatusCode >= 500 || (error.StatusCode == 0 && error.ErrorCode is null))
        {
            throw Failed(onBehalfOf, operation, keyId, readOnly, parameters, at, new ExternalKeyException(ExternalKeyException.UnreachableCode, $"{(int)error.StatusCode} {error.Message}", unreachable: true));
        }
        catch (AmazonServiceException error) when (error.ErrorCode is not null)
        {
            throw Failed(onBehalfOf, operation, keyId, readOnly, parameters, at, new ExternalKeyException(error.ErrorCode, error.Message, unreachable: false));
        }
        catch (Exception error) when (error is AmazonClientException or HttpRequestException or IOException or SocketException or OperationCanceledException or AmazonServiceException)
        {
            throw Failed(onBehalfOf, operation, keyId, readOnly, parameters, at, new ExternalKeyException(ExternalKeyException.UnreachableCode, error.Message, unreachable: true));
        }
    }

    private ExternalKeyException Failed(Caller onBehalfOf, string operation, string keyId, bool readOnly, Dictionary<string, object?> parameters, DateTimeOffset at, ExternalKeyException error)
    {
        LogMessages.ExternalKmsCallFailed(_logger, operation, keyId, Endpoint, error.Code, error.Message);
        Record(onBehalfOf, operation, keyId, readOnly, parameters, at, error);
        return error;
    }

    private AmazonKeyManagementServiceClient CreateClient(string region)
    {
        var config = new AmazonKeyManagementServiceConfig
        {
            ServiceURL = Endpoint,
            AuthenticationRegion = region,
            Timeout = _options.CallTimeout,
            MaxErrorRetry = 0,
        };
        return _credentials is null ? new AmazonKeyManagementServiceClient(config) : new AmazonKeyManagementServiceClient(_credentials, config);
    }

    /// <summary>The region a key or alias ARN names; a bare identifier is refused, as settings name external keys by ARN.</summary>
    private static string RegionOf(string keyId)
    {
        var parts = keyId.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[2] != "kms" || parts[3].Length == 0)
        {
            throw new ExternalKeyException("NotFoundException", $"'{keyId}' is not a KMS key ARN or alias ARN; a key of the external key service is named by its ARN.", unreachable: false);
        }

        return parts[3];
    }

    /// <summary>Appends the call to Tracevault's own audit trail, in the account it was made for: who, what, which key, the outcome.</summary>
    private void Record(Caller onBehalfOf, string operation, string keyId, bool readOnly, Dictionary<string, object?> parameters, DateTimeOffset at, ExternalKeyException? error)
    {
        var eventId = Ids.NewUuid();
        var username = onBehalfOf.IsService ? onBehalfOf.InvokedByService! : onBehalfOf.Arn.EndsWith(":root", StringComparison.Ordinal) ? "root" : onBehalfOf.UserName;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventVersion", "1.08");
            writer.WriteStartObject("userIdentity");
            if (onBehalfOf.IsService)
            {
                writer.WriteString("type", "AWSService");
                writer.WriteString("invokedBy", onBehalfOf.InvokedByService);
            }
            else
            {
                writer.WriteString("type", "IAMUser");
                writer.WriteString("arn", onBehalfOf.Arn);
                writer.WriteString("accountId", onBehalfOf.AccountId);
                writer.WriteString("accessKeyId", onBehalfOf.AccessKeyId ?? "");
                writer.WriteString("userName", username);
            }

            writer.WriteEndObject();
            writer.WriteString("eventTime", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("eventSource", "kms.amazonaws.com");
            writer.WriteString("eventName", operation);
            writer.WriteString("awsRegion", keyId.Split(':') is { Length: > 3 } parts ? parts[3] : "");
            writer.WriteString("sourceIPAddress", "tracevault");
            writer.WriteString("userAgent", "tracevault external-kms");
            if (error is not null)
            {
                writer.WriteString("errorCode", error.Code);
                writer.WriteString("errorMessage", error.Message);
            }

            writer.WritePropertyName("requestParameters");
            JsonSerializer.Serialize(writer, parameters);
            writer.WriteNull("responseElements");
            writer.WriteStartObject("additionalEventData");
            writer.WriteString("externalKeyService", Endpoint);
            writer.WriteString("grantee", _options.Grantee);
            writer.WriteEndObject();
            writer.WriteString("eventID", eventId);
            writer.WriteBoolean("readOnly", readOnly);
            writer.WriteStartArray("resources");
            writer.WriteStartObject();
            writer.WriteString("type", "AWS::KMS::Key");
            writer.WriteString("ARN", keyId);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteString("eventType", "AwsApiCall");
            writer.WriteBoolean("managementEvent", true);
            writer.WriteString("recipientAccountId", onBehalfOf.AccountId);
            writer.WriteString("eventCategory", "Management");
            writer.WriteEndObject();
        }

        var json = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        _audit.Append([new AuditEvent(eventId, onBehalfOf.AccountId, at, "kms.amazonaws.com", operation, readOnly, username, onBehalfOf.AccessKeyId ?? "", [keyId], json)], null);
    }
}
