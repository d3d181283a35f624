using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tracevault.Core.Identity;

namespace Tracevault.Keys.Kms;

/// <summary>Writes a KMS call as a CloudTrail record (eventVersion 1.08).</summary>
internal static class KmsAuditRecord
{
    public const string EventSource = "kms.amazonaws.com";

    public static string Write(KmsCall call, string region, string eventId, string requestId, string recipientAccountId, string? sharedEventId, KmsException? error, string eventType = "AwsApiCall")
    {
        var caller = call.Caller;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventVersion", "1.08");
            writer.WriteStartObject("userIdentity");
            if (caller.IsService)
            {
                writer.WriteString("type", "AWSService");
                writer.WriteString("invokedBy", caller.InvokedByService);
            }
            else
            {
                var isRoot = caller.Arn.EndsWith(":root", StringComparison.Ordinal);
                writer.WriteString("type", isRoot ? "Root" : "IAMUser");
                writer.WriteString("principalId", isRoot ? caller.AccountId : Caller.PrincipalId(caller.Arn));
                writer.WriteString("arn", caller.Arn);
                writer.WriteString("accountId", caller.AccountId);
                writer.WriteString("accessKeyId", caller.AccessKeyId ?? "");
                if (!isRoot)
                {
                    writer.WriteString("userName", caller.UserName);
                }

                if (call.ViaService is not null)
                {
                    writer.WriteString("invokedBy", call.ViaService);
                }
            }

            writer.WriteEndObject();
            writer.WriteString("eventTime", call.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("eventSource", EventSource);
            writer.WriteString("eventName", call.EventName);
            writer.WriteString("awsRegion", region);
            writer.WriteString("sourceIPAddress", call.ViaService ?? caller.SourceIp);
            writer.WriteString("userAgent", call.ViaService ?? caller.UserAgent);
            if (error is not null)
            {
                writer.WriteString("errorCode", error.Code);
                writer.WriteString("errorMessage", error.Message);
            }

            writer.WritePropertyName("requestParameters");
            if (call.RequestParameters.Count == 0)
            {
                writer.WriteNullValue();
            }
            else
            {
                call.RequestParameters.WriteTo(writer);
            }

            writer.WritePropertyName("responseElements");
            if (call.ResponseElements is null || error is not null)
            {
                writer.WriteNullValue();
            }
            else
            {
                call.ResponseElements.WriteTo(writer);
            }

            writer.WriteString("requestID", requestId);
            writer.WriteString("eventID", eventId);
            writer.WriteBoolean("readOnly", call.ReadOnly);
            writer.WriteStartArray("resources");
            foreach (var key in call.Keys)
            {
                writer.WriteStartObject();
                writer.WriteString("accountId", key.AccountId);
                writer.WriteString("type", "AWS::KMS::Key");
                writer.WriteString("ARN", key.Arn);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("eventType", eventType);
            writer.WriteBoolean("managementEvent", true);
            writer.WriteString("recipientAccountId", recipientAccountId);
            if (sharedEventId is not null)
            {
                writer.WriteString("sharedEventID", sharedEventId);
            }

            writer.WriteString("eventCategory", "Management");
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A JSON array of strings.</summary>
    public static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    /// <summary>The caller's name, as LookupEvents' Username shows it.</summary>
    public static string Username(Caller caller) => caller.IsService ? caller.InvokedByService! : caller.Arn.EndsWith(":root", StringComparison.Ordinal) ? "root" : caller.UserName;
}
