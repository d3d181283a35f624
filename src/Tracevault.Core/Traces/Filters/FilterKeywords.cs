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
            ["first"] = (FilterKeyword.First, FilterValueKind.Boolean),
            ["last"] = (FilterKeyword.Last, FilterValueKind.Boolean),
            ["remote"] = (FilterKeyword.Remote, FilterValueKind.Boolean),
            ["index"] = (FilterKeyword.Index, FilterValueKind.Number),
            ["coverage"] = (FilterKeyword.Coverage, FilterValueKind.Number),
            ["message"] = (FilterKeyword.Message, FilterValueKind.String),
        };

    private static readonly HashSet<string> Unsupported = new(StringComparer.OrdinalIgnoreCase)
    {
        "json", "rootcause.json",
    };

    /// <summary>Looks up a keyword by its spelling, ignoring case.</summary>
    public static bool TryGet(string spelling, out FilterKeyword keyword, out FilterValueKind kind)
    {
        var found = BySpelling.TryGetValue(spelling, out var entry);
        (keyword, kind) = entry;
        return found;
    }

    /// <summary>Whether the word is part of X-Ray's language but not supported here (the JSON root-cause objects).</summary>
    public static bool IsUnsupported(string spelling) => Unsupported.Contains(spelling);

    /// <summary>Whether the keyword describes an element of a root cause's list, and so belongs inside <c>rootcause.…{ }</c> only.</summary>
    public static bool IsRootCauseOnly(FilterKeyword keyword) => keyword
        is FilterKeyword.First or FilterKeyword.Last or FilterKeyword.Remote or FilterKeyword.Index or FilterKeyword.Coverage or FilterKeyword.Message;

    /// <summary>Whether a <c>rootcause.…{ }</c> sub-filter on <paramref name="list"/> of <paramref name="kind"/> root causes may use the keyword.</summary>
    public static bool AppliesTo(FilterKeyword keyword, RootCauseKind kind, RootCauseList list) => keyword switch
    {
        FilterKeyword.First or FilterKeyword.Last or FilterKeyword.Index or FilterKeyword.Name => true,
        FilterKeyword.Type or FilterKeyword.Inferred => list == RootCauseList.Service,
        FilterKeyword.Remote => list == RootCauseList.Entity,
        FilterKeyword.Coverage => list == RootCauseList.Entity && kind == RootCauseKind.ResponseTime,
        FilterKeyword.Message => list == RootCauseList.Exception && kind != RootCauseKind.ResponseTime,
        _ => false,
    };

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
