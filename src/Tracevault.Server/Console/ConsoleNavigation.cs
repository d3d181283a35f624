using Microsoft.Extensions.Primitives;

namespace Tracevault.Server.Console;

/// <summary>What a page's links carry to the next page: the chosen time range, filter and group, so they follow the user from Traces to a timeline to the service map.</summary>
public static class ConsoleNavigation
{
    /// <summary>The query parameters carried: the range (<see cref="ConsoleTimeRange.QueryParameters"/>), the filter expression and the group.</summary>
    public static IReadOnlyList<string> Carried { get; } = ["range", "start", "end", "filter", "group"];

    /// <summary><paramref name="path"/> with the carried parameters of <paramref name="query"/> that are set, and any <paramref name="extra"/> ones (which replace a carried one of the same name).</summary>
    public static string Link(string path, IQueryCollection query, params KeyValuePair<string, string?>[] extra)
    {
        ArgumentNullException.ThrowIfNull(query);
        var parameters = Carried
            .Where(name => !StringValues.IsNullOrEmpty(query[name]) && !extra.Any(p => p.Key == name))
            .Select(name => new KeyValuePair<string, string?>(name, query[name].ToString()))
            .Concat(extra.Where(p => !string.IsNullOrEmpty(p.Value)))
            .ToList();
        return path + QueryString.Create(parameters).Value;
    }
}
