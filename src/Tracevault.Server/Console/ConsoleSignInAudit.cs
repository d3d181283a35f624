using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracevault.Core;
using Tracevault.Core.Identity;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Identity;
using Tracevault.Server.Hosting;

namespace Tracevault.Server.Console;

/// <summary>Records console sign-ins, failed and successful, in the audit trail as CloudTrail <c>ConsoleLogin</c> events (eventSource <c>signin.amazonaws.com</c>).</summary>
/// <remarks>
/// Shaped as AWS records an IAM user's console sign-in: <c>eventType: AwsConsoleSignIn</c>, <c>responseElements:
/// {"ConsoleLogin": "Success" | "Failure"}</c> and, on failure, <c>errorMessage: "Failed authentication"</c>. The secret is
/// never written. An access key id that names no key is not written either (it may be a secret pasted into the wrong
/// field): as AWS hides an unknown user name, such a failure names the user <see cref="HiddenUserName"/>, in the trail of
/// the account local unsigned traffic belongs to, since the key names none.
/// </remarks>
public sealed class ConsoleSignInAudit
{
    /// <summary>The CloudTrail event source of console sign-ins.</summary>
    public const string EventSource = "signin.amazonaws.com";

    /// <summary>The CloudTrail event name of console sign-ins.</summary>
    public const string EventName = "ConsoleLogin";

    /// <summary>The user name of a failed sign-in whose access key names no user, as AWS writes it.</summary>
    public const string HiddenUserName = "HIDDEN_DUE_TO_SECURITY_REASONS";

    private const int MaxUserAgentLength = 1024;

    private readonly IAuditLog _audit;
    private readonly DataDirectory _data;
    private readonly ServerOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the recorder.</summary>
    public ConsoleSignInAudit(IAuditLog audit, DataDirectory data, ServerOptions options, TimeProvider time)
    {
        _audit = audit;
        _data = data;
        _options = options;
        _time = time;
    }

    /// <summary>Appends one <c>ConsoleLogin</c> record: by <paramref name="credentials"/>' user (null when the access key names none), succeeded or not.</summary>
    public void Record(HttpContext context, Credentials? credentials, bool succeeded, string loginTo)
    {
        ArgumentNullException.ThrowIfNull(context);
        var accountId = credentials?.User.AccountId ?? _data.DefaultAccount.Id;
        var userName = credentials?.User.Name ?? HiddenUserName;
        var accessKeyId = credentials?.AccessKeyId ?? "";
        var now = _time.GetUtcNow();
        var eventId = Ids.NewUuid();
        var userAgent = context.Request.Headers.UserAgent.ToString();

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventVersion", "1.08");
            writer.WriteStartObject("userIdentity");
            writer.WriteString("type", "IAMUser");
            if (credentials is not null)
            {
                writer.WriteString("principalId", Caller.PrincipalId(credentials.User.Arn));
                writer.WriteString("arn", credentials.User.Arn);
            }

            writer.WriteString("accountId", accountId);
            writer.WriteString("accessKeyId", accessKeyId);
            writer.WriteString("userName", userName);
            writer.WriteEndObject();
            writer.WriteString("eventTime", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("eventSource", EventSource);
            writer.WriteString("eventName", EventName);
            writer.WriteString("awsRegion", _options.Region);
            writer.WriteString("sourceIPAddress", context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
            writer.WriteString("userAgent", userAgent.Length <= MaxUserAgentLength ? userAgent : userAgent[..MaxUserAgentLength]);
            if (!succeeded)
            {
                writer.WriteString("errorMessage", "Failed authentication");
            }

            writer.WriteNull("requestParameters");
            writer.WriteStartObject("responseElements");
            writer.WriteString("ConsoleLogin", succeeded ? "Success" : "Failure");
            writer.WriteEndObject();
            writer.WriteStartObject("additionalEventData");
            writer.WriteString("LoginTo", loginTo);
            writer.WriteString("MobileVersion", "No");
            writer.WriteString("MFAUsed", "No");
            writer.WriteEndObject();
            writer.WriteString("eventID", eventId);
            writer.WriteBoolean("readOnly", false);
            writer.WriteString("eventType", "AwsConsoleSignIn");
            writer.WriteBoolean("managementEvent", true);
            writer.WriteString("recipientAccountId", accountId);
            writer.WriteString("eventCategory", "Management");
            writer.WriteEndObject();
        }

        var record = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        _audit.Append([new AuditEvent(eventId, accountId, now, EventSource, EventName, false, userName, accessKeyId, [], record)], null);
    }
}
