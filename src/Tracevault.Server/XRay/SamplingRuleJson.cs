using System.Text.Json;
using Tracevault.Server.XRay.Tags;
using Tracevault.Core.Sampling;
using Tracevault.Server.Http;
using Tracevault.Storage.Sampling;

namespace Tracevault.Server.XRay;

/// <summary>Sampling rules on the wire: <c>SamplingRule</c>, <c>SamplingRuleUpdate</c> and tags read with the model's limits, <c>SamplingRuleRecord</c> written.</summary>
internal static class SamplingRuleJson
{
    /// <summary>The most user tags a rule may have.</summary>
    public const int MaxTags = XRayTags.MaxTags;

    private const int MaxAttributes = 5;

    /// <summary>Reads a <c>SamplingRule</c> to create, named <paramref name="name"/>: every required member present, every value within the model's limits.</summary>
    /// <exception cref="ApiException"><c>InvalidRequestException</c> naming the first member that is missing or out of range.</exception>
    public static SamplingRule ReadRule(JsonElement rule, string name)
    {
        var required = new[] { "ResourceARN", "Priority", "FixedRate", "ReservoirSize", "ServiceName", "ServiceType", "Host", "HTTPMethod", "URLPath", "Version" };
        foreach (var member in required)
        {
            if (!Has(rule, member))
            {
                throw Invalid($"SamplingRule.{member} is required.");
            }
        }

        return new SamplingRule(
            name,
            Text(rule, "ResourceARN", 0, 500)!,
            Priority(rule)!.Value,
            Rate(rule, "FixedRate")!.Value,
            Integer(rule, "ReservoirSize", 0, int.MaxValue)!.Value,
            Text(rule, "ServiceName", 0, 64)!,
            Text(rule, "ServiceType", 0, 64)!,
            Text(rule, "Host", 0, 64)!,
            Text(rule, "HTTPMethod", 0, 10)!,
            Text(rule, "URLPath", 0, 128)!,
            Version(rule)!.Value,
            Attributes(rule) ?? new Dictionary<string, string>(),
            Boost(rule));
    }

    /// <summary>Applies a <c>SamplingRuleUpdate</c> to <paramref name="current"/>: each member given replaces its value; the <c>Default</c> rule takes only its rate, reservoir and boost.</summary>
    /// <exception cref="ApiException"><c>InvalidRequestException</c> for a value out of range, or a change of the <c>Default</c> rule's matching.</exception>
    public static SamplingRule ApplyUpdate(JsonElement update, SamplingRule current)
    {
        var updated = current with
        {
            ResourceArn = Text(update, "ResourceARN", 0, 500) ?? current.ResourceArn,
            Priority = Priority(update) ?? current.Priority,
            FixedRate = Rate(update, "FixedRate") ?? current.FixedRate,
            ReservoirSize = Integer(update, "ReservoirSize", 0, int.MaxValue) ?? current.ReservoirSize,
            ServiceName = Text(update, "ServiceName", 0, 64) ?? current.ServiceName,
            ServiceType = Text(update, "ServiceType", 0, 64) ?? current.ServiceType,
            Host = Text(update, "Host", 0, 64) ?? current.Host,
            HttpMethod = Text(update, "HTTPMethod", 0, 10) ?? current.HttpMethod,
            UrlPath = Text(update, "URLPath", 0, 128) ?? current.UrlPath,
            Attributes = Attributes(update) ?? current.Attributes,
            RateBoost = Boost(update) ?? current.RateBoost,
        };
        if (current.IsDefault)
        {
            var matching = updated with { FixedRate = current.FixedRate, ReservoirSize = current.ReservoirSize, RateBoost = current.RateBoost, Attributes = current.Attributes };
            if (matching != current || updated.Attributes.Count > 0)
            {
                throw Invalid("Only FixedRate, ReservoirSize and SamplingRateBoost of the Default rule can be changed: it matches every request, after every other rule.");
            }
        }

        return updated;
    }

    /// <summary>Reads the <c>Tags</c> of a create request: at most 50, keys 1 to 128 characters and unique, values up to 256, no <c>aws:</c> prefix.</summary>
    /// <exception cref="ApiException"><c>InvalidRequestException</c> for the first tag out of bounds.</exception>
    public static List<KeyValuePair<string, string>> ReadTags(JsonElement root) => XRayTags.ReadTags(root, "Tags", XRayTags.MaxTags);

    /// <summary>Writes a <c>SamplingRuleRecord</c>.</summary>
    public static void WriteRecord(Utf8JsonWriter writer, StoredSamplingRule stored, string arn)
    {
        var rule = stored.Rule;
        writer.WriteStartObject();
        writer.WriteStartObject("SamplingRule");
        writer.WriteString("RuleName", rule.Name);
        writer.WriteString("RuleARN", arn);
        writer.WriteString("ResourceARN", rule.ResourceArn);
        writer.WriteNumber("Priority", rule.Priority);
        writer.WriteNumber("FixedRate", rule.FixedRate);
        writer.WriteNumber("ReservoirSize", rule.ReservoirSize);
        writer.WriteString("ServiceName", rule.ServiceName);
        writer.WriteString("ServiceType", rule.ServiceType);
        writer.WriteString("Host", rule.Host);
        writer.WriteString("HTTPMethod", rule.HttpMethod);
        writer.WriteString("URLPath", rule.UrlPath);
        writer.WriteNumber("Version", rule.Version);
        writer.WriteStartObject("Attributes");
        foreach (var (key, value) in rule.Attributes)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        if (rule.RateBoost is { } boost)
        {
            writer.WriteStartObject("SamplingRateBoost");
            writer.WriteNumber("MaxRate", boost.MaxRate);
            writer.WriteNumber("CooldownWindowMinutes", boost.CooldownWindowMinutes);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteNumber("CreatedAt", Seconds(stored.CreatedAt));
        writer.WriteNumber("ModifiedAt", Seconds(stored.ModifiedAt));
        writer.WriteEndObject();
    }

    /// <summary>A time as the epoch seconds X-Ray's timestamps are, to the millisecond.</summary>
    public static double Seconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>Whether an object has a member that is not null.</summary>
    public static bool Has(JsonElement element, string name) => element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A string member of <paramref name="min"/> to <paramref name="max"/> characters, or null when absent.</summary>
    public static string? Text(JsonElement element, string name, int min, int max)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Invalid($"{name} must be a string.");
        }

        var text = value.GetString()!;
        if (text.Length < min || text.Length > max)
        {
            throw Invalid(min == max ? $"{name} must be exactly {max} characters long; it is {text.Length}."
                : min > 0 ? $"{name} must be {min} to {max} characters long; it is {text.Length}."
                : $"{name} must be at most {max} characters long; it is {text.Length}.");
        }

        return text;
    }

    /// <summary>An integer member from <paramref name="min"/> to <paramref name="max"/>, or null when absent.</summary>
    public static int? Integer(JsonElement element, string name, int min, int max)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
        {
            throw Invalid($"{name} must be a whole number from {min} to {max}.");
        }

        if (number < min || number > max)
        {
            throw Invalid($"{name} must be from {min} to {max}; it is {number}.");
        }

        return number;
    }

    /// <summary>A number member from 0 to 1, or null when absent.</summary>
    public static double? Rate(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var rate) || !(rate >= 0 && rate <= 1))
        {
            throw Invalid($"{name} must be a number from 0 to 1.");
        }

        return rate;
    }

    /// <summary>The <c>InvalidRequestException</c> X-Ray answers bad input with.</summary>
    public static ApiException Invalid(string message) => new("InvalidRequestException", message);

    private static int? Priority(JsonElement element) => Integer(element, "Priority", 1, 9999);

    private static int? Version(JsonElement element)
    {
        var version = Integer(element, "Version", 1, int.MaxValue);
        if (version is not (null or 1))
        {
            throw Invalid($"Version {version} is not supported: 1 is the only sampling rule version.");
        }

        return version;
    }

    private static Dictionary<string, string>? Attributes(JsonElement element)
    {
        if (!element.TryGetProperty("Attributes", out var map) || map.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (map.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("Attributes must be a map of strings.");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in map.EnumerateObject())
        {
            if (attribute.Name.Length is < 1 or > 32 || attribute.Value.ValueKind != JsonValueKind.String || attribute.Value.GetString()!.Length is < 1 or > 32)
            {
                throw Invalid($"Attribute '{attribute.Name}': keys and values must be strings of 1 to 32 characters.");
            }

            attributes[attribute.Name] = attribute.Value.GetString()!;
        }

        if (attributes.Count > MaxAttributes)
        {
            throw Invalid($"Attributes holds {attributes.Count} entries; at most {MaxAttributes} are allowed.");
        }

        return attributes;
    }

    private static SamplingRateBoost? Boost(JsonElement element)
    {
        if (!element.TryGetProperty("SamplingRateBoost", out var boost) || boost.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (boost.ValueKind != JsonValueKind.Object || !Has(boost, "MaxRate") || !Has(boost, "CooldownWindowMinutes"))
        {
            throw Invalid("SamplingRateBoost must have MaxRate and CooldownWindowMinutes.");
        }

        return new SamplingRateBoost(Rate(boost, "MaxRate")!.Value, Integer(boost, "CooldownWindowMinutes", 0, int.MaxValue)!.Value);
    }
}
