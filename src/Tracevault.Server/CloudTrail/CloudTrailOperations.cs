using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracevault.Keys.Audit;
using Tracevault.Server.Http;

namespace Tracevault.Server.CloudTrail;

/// <summary>CloudTrail's <c>LookupEvents</c>: the caller's account's trail, most recent first.</summary>
internal static class CloudTrailOperations
{
    private const string TokenPrefix = "tvct1:";

    private static readonly double MinUnixMilliseconds = DateTimeOffset.MinValue.ToUnixTimeMilliseconds();

    private static readonly double MaxUnixMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private static readonly HashSet<string> AttributeKeys = new(StringComparer.Ordinal)
    {
        "EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName", "EventSource", "AccessKeyId",
    };

    /// <summary>Registers the CloudTrail operations.</summary>
    public static void Map(ApiRouter router, IAuditLog audit) =>
        router.Map(ApiProtocol.CloudTrail, "LookupEvents", request => LookupEventsAsync(request, audit));

    private static async Task LookupEventsAsync(ApiRequest request, IAuditLog audit)
    {
        request.AuthorizeByIdentity();
        using var document = request.ReadJson();
        var root = document.RootElement;
        string? key = null;
        string? value = null;
        if (root.TryGetProperty("LookupAttributes", out var attributes) && attributes.ValueKind == JsonValueKind.Array)
        {
            var count = attributes.GetArrayLength();
            if (count > 1)
            {
                throw new ApiException("InvalidLookupAttributesException", "You can only specify one lookup attribute.");
            }

            if (count == 1)
            {
                var attribute = attributes[0];
                if (attribute.ValueKind != JsonValueKind.Object)
                {
                    throw new ApiException("InvalidLookupAttributesException", "A lookup attribute is an object with AttributeKey and AttributeValue.");
                }

                key = attribute.TryGetProperty("AttributeKey", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
                value = attribute.TryGetProperty("AttributeValue", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                if (key is null || !AttributeKeys.Contains(key))
                {
                    throw new ApiException("InvalidLookupAttributesException", $"'{key}' is not a lookup attribute key; use one of {string.Join(", ", AttributeKeys)}.");
                }

                if (string.IsNullOrEmpty(value) || value.Length > 2000)
                {
                    throw new ApiException("InvalidLookupAttributesException", "The lookup attribute value must be 1 to 2000 characters.");
                }
            }
        }

        var start = Time(root, "StartTime");
        var end = Time(root, "EndTime");
        if (start is not null && end is not null && start > end)
        {
            throw new ApiException("InvalidTimeRangeException", "Start time must be before end time.");
        }

        var maxResults = 50;
        if (root.TryGetProperty("MaxResults", out var max) && max.ValueKind != JsonValueKind.Null)
        {
            if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out maxResults) || maxResults is < 1 or > 50)
            {
                throw new ApiException("InvalidMaxResultsException", "MaxResults must be between 1 and 50.");
            }
        }

        long? before = null;
        if (root.TryGetProperty("NextToken", out var token) && token.ValueKind == JsonValueKind.String)
        {
            before = ParseToken(token.GetString()!);
        }

        var page = audit.Lookup(new AuditQuery(request.Caller.AccountId, key, value, start, end, maxResults, before));
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Events");
            foreach (var record in page.Events)
            {
                writer.WriteStartObject();
                writer.WriteString("EventId", record.EventId);
                writer.WriteString("EventName", record.EventName);
                writer.WriteString("ReadOnly", record.ReadOnly ? "true" : "false");
                if (record.AccessKeyId.Length > 0)
                {
                    writer.WriteString("AccessKeyId", record.AccessKeyId);
                }

                writer.WriteNumber("EventTime", record.EventTime.ToUnixTimeMilliseconds() / 1000.0);
                writer.WriteString("EventSource", record.EventSource);
                writer.WriteString("Username", record.Username);
                writer.WriteStartArray("Resources");
                foreach (var arn in record.ResourceArns)
                {
                    writer.WriteStartObject();
                    writer.WriteString("ResourceType", "AWS::KMS::Key");
                    writer.WriteString("ResourceName", arn);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteString("CloudTrailEvent", record.RecordJson);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (page.NextSequence is { } next)
            {
                writer.WriteString("NextToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(TokenPrefix + next.ToString(CultureInfo.InvariantCulture))));
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static DateTimeOffset? Time(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds))
        {
            // Any number is a timestamp on the wire; one no date can hold is a time range CloudTrail cannot search.
            var milliseconds = Math.Floor(seconds * 1000);
            if (!(milliseconds >= MinUnixMilliseconds && milliseconds <= MaxUnixMilliseconds))
            {
                throw new ApiException("InvalidTimeRangeException", $"{name} must be a time from 0001-01-01 to 9999-12-31.");
            }

            return DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds);
        }

        if (value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return parsed;
        }

        throw new ApiException("SerializationException", $"{name} must be a timestamp.");
    }

    private static long ParseToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            if (text.StartsWith(TokenPrefix, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(TokenPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence > 0)
            {
                return sequence;
            }
        }
        catch (FormatException)
        {
            // Falls through to the error below.
        }

        throw new ApiException("InvalidNextTokenException", "The NextToken is not valid.");
    }
}
