namespace Tracevault.Core.Traces.Filters;

/// <summary>The spelling and value type of each <see cref="FilterKeyword"/>.</summary>
internal static class FilterKeywords
{
    private static readonly Dictionary<string, (FilterKeyword Keyword, FilterValueKind Kind)> BySpelling =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["ok"] = (FilterKeyword.Ok, FilterValueKind.Boolean),
            ["error"] = (FilterKeyword.Error, FilterValueKind.Boolean),
            ["throttle"] = (FilterKeyword.Throttle, FilterValueKind.Boolean),
            ["fault"] = (FilterKeyword.Fault, FilterValueKind.Boolean),
            ["partial"] = (FilterKeyword.Partial, FilterValueKind.Boolean),
            ["inferred"] = (FilterKeyword.Inferred, FilterValueKind.Boolean),
            ["root"] = (FilterKeyword.Root, FilterValueKind.Boolean),
            ["responsetime"] = (FilterKeyword.ResponseTime, FilterValueKind.Number),
            ["duration"] = (FilterKeyword.Duration, FilterValueKind.Number),
            ["http.status"] = (FilterKeyword.HttpStatus, FilterValueKind.Number),
            ["http.url"] = (FilterKeyword.HttpUrl, FilterValueKind.String),
            ["http.method"] = (FilterKeyword.HttpMethod, FilterValueKind.String),
            ["http.useragent"] = (FilterKeyword.HttpUserAgent, FilterValueKind.String),
            ["http.clientip"] = (FilterKeyword.HttpClientIp, FilterValueKind.String),
            ["user"] = (FilterKeyword.User, FilterValueKind.String),
            ["name"] = (FilterKeyword.Name, FilterValueKind.String),
            ["type"] = (FilterKeyword.Type, FilterValueKind.String),
            ["availabilityzone"] = (FilterKeyword.AvailabilityZone, FilterValueKind.String),
            ["instance.id"] = (FilterKeyword.InstanceId, FilterValueKind.String),
            ["resource.arn"] = (FilterKeyword.ResourceArn, FilterValueKind.String),
        };

    private static readonly HashSet<string> Unsupported = new(StringComparer.OrdinalIgnoreCase)
    {
        "first", "last", "remote", "index", "coverage", "message", "json", "group.name", "group.arn",
    };

    /// <summary>Looks up a keyword by its spelling, ignoring case.</summary>
    public static bool TryGet(string spelling, out FilterKeyword keyword, out FilterValueKind kind)
    {
        var found = BySpelling.TryGetValue(spelling, out var entry);
        (keyword, kind) = entry;
        return found;
    }

    /// <summary>Whether the word is part of X-Ray's language but not supported here (root-cause and group keywords).</summary>
    public static bool IsUnsupported(string spelling) =>
        Unsupported.Contains(spelling) || spelling.StartsWith("rootcause.", StringComparison.OrdinalIgnoreCase);

    /// <summary>The keyword's canonical lowercase spelling.</summary>
    public static string Spell(FilterKeyword keyword) => keyword switch
    {
        FilterKeyword.HttpStatus => "http.status",
        FilterKeyword.HttpUrl => "http.url",
        FilterKeyword.HttpMethod => "http.method",
        FilterKeyword.HttpUserAgent => "http.useragent",
        FilterKeyword.HttpClientIp => "http.clientip",
        FilterKeyword.InstanceId => "instance.id",
        FilterKeyword.ResourceArn => "resource.arn",
        _ => keyword.ToString().ToLowerInvariant(),
    };
}
