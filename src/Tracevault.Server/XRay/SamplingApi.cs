using System.Text.Json;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;

namespace Tracevault.Server.XRay;

/// <summary>Centralized sampling as the X-Ray SDKs use it: the built-in <c>Default</c> rule and its targets.</summary>
public sealed class SamplingApi
{
    private const double DefaultFixedRate = 0.05;
    private const int DefaultReservoirSize = 1;
    private const int TargetIntervalSeconds = 10;

    private readonly ServerOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the API.</summary>
    public SamplingApi(ServerOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "GetSamplingRules", GetSamplingRulesAsync)
        .Map(ApiProtocol.XRay, "GetSamplingTargets", GetSamplingTargetsAsync);

    private Task GetSamplingRulesAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        var account = request.Caller.AccountId;
        return ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("SamplingRuleRecords");
            writer.WriteStartObject();
            writer.WriteStartObject("SamplingRule");
            writer.WriteString("RuleName", "Default");
            writer.WriteString("RuleARN", $"arn:aws:xray:{_options.Region}:{account}:sampling-rule/Default");
            writer.WriteString("ResourceARN", "*");
            writer.WriteNumber("Priority", 10000);
            writer.WriteNumber("FixedRate", DefaultFixedRate);
            writer.WriteNumber("ReservoirSize", DefaultReservoirSize);
            writer.WriteString("ServiceName", "*");
            writer.WriteString("ServiceType", "*");
            writer.WriteString("Host", "*");
            writer.WriteString("HTTPMethod", "*");
            writer.WriteString("URLPath", "*");
            writer.WriteNumber("Version", 1);
            writer.WriteStartObject("Attributes");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteNumber("CreatedAt", 0.0);
            writer.WriteNumber("ModifiedAt", 0.0);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    private Task GetSamplingTargetsAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        if (!body.RootElement.TryGetProperty("SamplingStatisticsDocuments", out var documents) || documents.ValueKind != JsonValueKind.Array)
        {
            throw new ApiException("InvalidRequestException", "SamplingStatisticsDocuments is required and must be a list.");
        }

        if (documents.GetArrayLength() > 25)
        {
            throw new ApiException("InvalidRequestException", "At most 25 SamplingStatisticsDocuments are accepted.");
        }

        var ruleNames = new List<string>();
        var unknown = new List<string>();
        foreach (var document in documents.EnumerateArray())
        {
            if (document.ValueKind != JsonValueKind.Object)
            {
                throw new ApiException("InvalidRequestException", "Each of SamplingStatisticsDocuments must be an object.");
            }

            var name = document.TryGetProperty("RuleName", out var rule) && rule.ValueKind == JsonValueKind.String ? rule.GetString()! : "";
            (name == "Default" ? ruleNames : unknown).Add(name);
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        return ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("SamplingTargetDocuments");
            foreach (var name in ruleNames.Distinct(StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("RuleName", name);
                writer.WriteNumber("FixedRate", DefaultFixedRate);
                writer.WriteNumber("ReservoirQuota", DefaultReservoirSize);
                writer.WriteNumber("ReservoirQuotaTTL", now + TargetIntervalSeconds);
                writer.WriteNumber("Interval", TargetIntervalSeconds);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteNumber("LastRuleModification", 0.0);
            writer.WriteStartArray("UnprocessedStatistics");
            foreach (var name in unknown)
            {
                writer.WriteStartObject();
                writer.WriteString("RuleName", name);
                writer.WriteString("ErrorCode", "400");
                writer.WriteString("Message", $"Unknown sampling rule '{name}'.");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }
}
