using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tracevault.Core;
using Tracevault.Core.Identity;
using Tracevault.Keys.Audit;

namespace Tracevault.Keys.Identity;

/// <summary>Writes a change to users and access keys as the CloudTrail record IAM writes for it (eventVersion 1.08, eventSource <c>iam.amazonaws.com</c>).</summary>
/// <remarks>
/// The changes are made by whoever runs <c>tracevault</c> on the data directory, which holds every account's root key; the
/// record names that operator as the account's root user (no access key), with user agent <see cref="OperatorUserAgent"/>.
/// A secret access key is never written, as IAM leaves it out of <c>CreateAccessKey</c>'s record.
/// </remarks>
internal static class IamAuditRecord
{
    /// <summary>The CloudTrail event source of IAM changes.</summary>
    public const string EventSource = "iam.amazonaws.com";

    /// <summary>The user agent the operator's changes are recorded with.</summary>
    public const string OperatorUserAgent = "tracevault";

    /// <summary>IAM is a global service: CloudTrail records its calls in us-east-1.</summary>
    private const string Region = "us-east-1";

    /// <summary>Builds one record of a change made in <paramref name="accountId"/> at <paramref name="time"/>.</summary>
    public static AuditEvent Create(string accountId, DateTimeOffset time, string eventName, JsonObject requestParameters, JsonObject? responseElements)
    {
        var eventId = Ids.NewUuid();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventVersion", "1.08");
            writer.WriteStartObject("userIdentity");
            writer.WriteString("type", "Root");
            writer.WriteString("principalId", accountId);
            writer.WriteString("arn", Caller.AccountRootArn(accountId));
            writer.WriteString("accountId", accountId);
            writer.WriteString("accessKeyId", "");
            writer.WriteEndObject();
            writer.WriteString("eventTime", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("eventSource", EventSource);
            writer.WriteString("eventName", eventName);
            writer.WriteString("awsRegion", Region);
            writer.WriteString("sourceIPAddress", "127.0.0.1");
            writer.WriteString("userAgent", OperatorUserAgent);
            writer.WritePropertyName("requestParameters");
            requestParameters.WriteTo(writer);
            writer.WritePropertyName("responseElements");
            if (responseElements is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                responseElements.WriteTo(writer);
            }

            writer.WriteString("requestID", Ids.NewUuid());
            writer.WriteString("eventID", eventId);
            writer.WriteBoolean("readOnly", false);
            writer.WriteString("eventType", "AwsApiCall");
            writer.WriteBoolean("managementEvent", true);
            writer.WriteString("recipientAccountId", accountId);
            writer.WriteString("eventCategory", "Management");
            writer.WriteEndObject();
        }

        var record = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        return new AuditEvent(eventId, accountId, time, EventSource, eventName, false, "root", "", [], record);
    }

    /// <summary>An IAM date as CloudTrail writes it in response elements, e.g. <c>Dec 5, 2026 2:07:50 PM</c>.</summary>
    public static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("MMM d, yyyy h:mm:ss tt", CultureInfo.InvariantCulture);
}
