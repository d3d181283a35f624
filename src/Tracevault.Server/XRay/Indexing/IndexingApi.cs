using System.Text.Json;
using Tracevault.Core.Indexing;
using Tracevault.Server.Http;
using Tracevault.Storage.Indexing;

namespace Tracevault.Server.XRay.Indexing;

/// <summary>
/// X-Ray's Transaction Search settings: <c>GetIndexingRules</c> and <c>UpdateIndexingRule</c> (which OpenTelemetry traces get
/// trace summaries), <c>GetTraceSegmentDestination</c> and <c>UpdateTraceSegmentDestination</c> (Tracevault is the destination).
/// </summary>
public sealed class IndexingApi
{
    /// <summary>The destination Tracevault is: it keeps every segment and span itself, always active.</summary>
    public const string XRayDestination = "XRay";

    private const string CloudWatchLogsDestination = "CloudWatchLogs";

    private readonly IndexingRuleService _rules;
    private readonly ILogger<IndexingApi> _logger;

    /// <summary>Creates the API.</summary>
    public IndexingApi(IndexingRuleService rules, ILogger<IndexingApi> logger)
    {
        _rules = rules;
        _logger = logger;
    }

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "GetIndexingRules", GetIndexingRulesAsync)
        .Map(ApiProtocol.XRay, "UpdateIndexingRule", UpdateIndexingRuleAsync)
        .Map(ApiProtocol.XRay, "GetTraceSegmentDestination", GetTraceSegmentDestinationAsync)
        .Map(ApiProtocol.XRay, "UpdateTraceSegmentDestination", UpdateTraceSegmentDestinationAsync);

    private async Task GetIndexingRulesAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        if (OptionalString(body.RootElement, "NextToken") is not null)
        {
            // An account has one rule: no answer carries a NextToken to send back.
            throw Invalid("The NextToken is not valid: GetIndexingRules answers every rule in one page.");
        }

        var rule = await _rules.GetAsync(request.Caller.AccountId, request.Http.RequestAborted).ConfigureAwait(false);
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("IndexingRules");
            WriteRule(writer, rule);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task UpdateIndexingRuleAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        var name = OptionalString(root, "Name") ?? throw Invalid("Name is required.");
        if (!root.TryGetProperty("Rule", out var rule) || rule.ValueKind == JsonValueKind.Null)
        {
            throw Invalid("Rule is required.");
        }

        if (rule.ValueKind != JsonValueKind.Object || rule.EnumerateObject().Count() != 1 || !rule.TryGetProperty("Probabilistic", out var probabilistic)
            || probabilistic.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("Rule must set exactly one member, Probabilistic, an object with DesiredSamplingPercentage.");
        }

        if (!probabilistic.TryGetProperty("DesiredSamplingPercentage", out var desired) || desired.ValueKind == JsonValueKind.Null)
        {
            throw Invalid("Rule.Probabilistic.DesiredSamplingPercentage is required.");
        }

        if (desired.ValueKind != JsonValueKind.Number || !desired.TryGetDouble(out var percentage) || !IndexingRule.IsValidPercentage(percentage))
        {
            throw Invalid("Rule.Probabilistic.DesiredSamplingPercentage must be a number from 0 to 100.");
        }

        if (name != IndexingRule.DefaultName)
        {
            throw new ApiException("ResourceNotFoundException", $"The account has no indexing rule named '{name}': it has one, {IndexingRule.DefaultName}.", 404);
        }

        var updated = await _rules.UpdateAsync(request.Caller.AccountId, percentage, request.Http.RequestAborted).ConfigureAwait(false);
        LogMessages.IndexingRuleUpdated(_logger, updated.Name, updated.AccountId, percentage, request.Caller.Arn);
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("IndexingRule");
            WriteRule(writer, updated);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private Task GetTraceSegmentDestinationAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        return WriteDestinationAsync(request);
    }

    private Task UpdateTraceSegmentDestinationAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        switch (OptionalString(body.RootElement, "Destination"))
        {
            case null or XRayDestination:
                return WriteDestinationAsync(request);
            case CloudWatchLogsDestination:
                throw Invalid("Tracevault keeps every segment and span itself, encrypted in its own store, and sends none to CloudWatch Logs: "
                    + "the destination stays XRay. Every span stays readable with BatchGetTraces; UpdateIndexingRule chooses which OpenTelemetry traces get trace summaries.");
            case var other:
                throw Invalid($"Destination '{other}' is not one of XRay, CloudWatchLogs.");
        }
    }

    private static Task WriteDestinationAsync(ApiRequest request) => ApiResponses.WriteAsync(request, writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("Destination", XRayDestination);
        writer.WriteString("Status", "ACTIVE");
        writer.WriteEndObject();
    });

    private static void WriteRule(Utf8JsonWriter writer, StoredIndexingRule rule)
    {
        writer.WriteStartObject();
        writer.WriteString("Name", rule.Name);
        writer.WriteNumber("ModifiedAt", SamplingRuleJson.Seconds(rule.ModifiedAt));
        writer.WriteStartObject("Rule");
        writer.WriteStartObject("Probabilistic");
        writer.WriteNumber("DesiredSamplingPercentage", rule.DesiredSamplingPercentage);
        // Tracevault indexes exactly the percentage asked for: no limit applies.
        writer.WriteNumber("ActualSamplingPercentage", rule.DesiredSamplingPercentage);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static string? OptionalString(JsonElement root, string member)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(member, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String ? element.GetString() : throw Invalid($"{member} must be a string.");
    }

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);
}
