using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Tracevault.Benchmarks.Load;

/// <summary>Times the console's pages on the loaded store, signed in as the admin, one request at a time, as a browser loads them.</summary>
internal static partial class ConsoleProbe
{
    /// <summary>The group the probe creates (if it does not exist) to time the group selector: the gold customers' traces.</summary>
    public const string GroupName = "gold";

    /// <summary>
    /// Signs in, then loads every page <paramref name="requests"/> times over <paramref name="range"/> (the query that selects the
    /// range, e.g. <c>range=1h</c>); each page's latencies (ms) and what it counted, in the order shown. The click-through pages'
    /// links are taken from the pages themselves, as a user clicks them.
    /// </summary>
    /// <remarks>With <paramref name="serverPid"/>, each page's server CPU (user + system) per timed load is measured too: on a shared machine it moves far less than the wall time.</remarks>
    public static async Task<List<ConsolePage>> MeasureAsync(Uri endpoint, AdminCredentials credentials, int requests, string range = "range=1h", int? serverPid = null)
    {
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        using var http = new HttpClient(handler) { BaseAddress = endpoint, Timeout = TimeSpan.FromMinutes(5) };
        await SignInAsync(http, credentials).ConfigureAwait(false);
        var group = await CreateGroupAsync(http, new XRaySigner(endpoint, credentials, "us-east-1")).ConfigureAwait(false);

        var tracesPath = "/console/traces?" + range;
        var traces = await GetHtmlAsync(http, tracesPath).ConfigureAwait(false);
        var traceId = TraceRow().Match(traces).Groups["id"].Value;
        var older = Href(NextPage().Match(traces));
        var bars = BarLink().Matches(traces).Where(m => long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture) > 0).ToList();
        var map = await GetHtmlAsync(http, "/console/map?" + range).ConfigureAwait(false);
        var nodeLinks = NodeLink().Matches(map).Select(Href).ToList();
        var edgeLinks = EdgeLink().Matches(map).Select(Href).ToList();
        var panel = NodePanelLink().Matches(map).Select(Href).Select(h => h.Split('#')[0]).ToList();
        // An edge between two services (not a client edge) opens its panel, whose "All its traces" is the edge's click-through.
        var edgePanel = edgeLinks.Select(h => h.Split('#')[0]).FirstOrDefault(h => h.Contains("caller=", StringComparison.Ordinal));
        var edgePanelHtml = edgePanel is null ? "" : await GetHtmlAsync(http, edgePanel).ConfigureAwait(false);
        var edgeTraces = EdgeTracesLink().Match(edgePanelHtml) is { Success: true } found ? Href(found) : null;
        // A panel's fullest bar: its click-through is a sub-filter on the service's (or call's) own requests.
        var nodeBar = FullestBar(panel.Count == 0 ? "" : await GetHtmlAsync(http, panel[0]).ConfigureAwait(false));
        var edgeBar = FullestBar(edgePanelHtml);
        var pages = new List<(string Name, string? Path)>
        {
            ("Traces, histogram from kept statistics", tracesPath),
            ("Traces, `annotation.customer_tier = \"gold\"`, histogram of the matches", tracesPath + "&filter=" + Uri.EscapeDataString("annotation.customer_tier = \"gold\"")),
            ("Traces, a filter nothing matches", tracesPath + "&filter=" + Uri.EscapeDataString("service(\"no-such-service\")")),
            ("Traces, second page", older.Length == 0 ? null : older),
            ("Histogram bar click-through, slowest bar", bars.Count == 0 ? null : Href(bars[^1])),
            ("Histogram bar click-through, fastest bar", bars.Count == 0 ? null : Href(bars[0])),
            (Invariant($"Traces, group `{GroupName}`"), group ? tracesPath + "&group=" + GroupName : null),
            ("Trace timeline", "/console/traces/" + traceId + "?" + range),
            ("Trace-id lookup (the box), redirect and timeline", "/console/lookup?trace=" + traceId + "&" + range),
            ("Service map from kept statistics", "/console/map?" + range),
            ("Service map, a node's panel (`&service=`)", panel.Count == 0 ? null : panel[0]),
            ("Service click-through (`service(\"x\")`)", nodeLinks.Count == 0 ? null : nodeLinks[0]),
            ("Service map, an edge's panel (`&caller=&callee=`)", edgePanel),
            ("Edge click-through (`edge(\"a\",\"b\")`)", edgeTraces),
            ("Node panel bar click-through (`service(\"x\") { responsetime … }`), fullest bar", nodeBar),
            ("Edge panel bar click-through (`edge(\"a\",\"b\") { responsetime … }`), fullest bar", edgeBar),
            (Invariant($"Service map, group `{GroupName}` (every trace it picks)"), group ? "/console/map?" + range + "&group=" + GroupName : null),
            ("Encryption", "/console/encryption"),
            ("Keys", "/console/keys"),
            ("Audit", "/console/audit"),
        };
        var results = new List<ConsolePage>(pages.Count);
        foreach (var (name, path) in pages)
        {
            if (path is null)
            {
                results.Add(new ConsolePage(name, new Latencies(0, 0, 0, 0), null, "not measured: no such link on the page it is reached from"));
                continue;
            }

            // One load first, timed apart: the figures are of the server's steady state, not of its JIT or its first read of the
            // kept statistics (which it opens once and keeps).
            var first = Stopwatch.StartNew();
            var html = await GetHtmlAsync(http, path).ConfigureAwait(false);
            var firstMs = first.Elapsed.TotalMilliseconds;
            var latencies = new List<double>(requests);
            var cpuBefore = serverPid is { } before ? ProcStatus.CpuSeconds(before) : 0;
            for (var i = 0; i < requests; i++)
            {
                var clock = Stopwatch.StartNew();
                html = await GetHtmlAsync(http, path).ConfigureAwait(false);
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }

            var cpuMs = serverPid is { } pid ? (ProcStatus.CpuSeconds(pid) - cpuBefore) * 1000 / Math.Max(1, requests) : 0;
            results.Add(new ConsolePage(name, Latencies.Of(latencies), Uri.UnescapeDataString(path), Counted(html), firstMs, cpuMs));
        }

        return results;
    }

    /// <summary>The page's HTML; a redirect (the trace-id box's) is followed once, as a browser does, and timed with it.</summary>
    private static async Task<string> GetHtmlAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative)).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.Found or HttpStatusCode.SeeOther && response.Headers.Location is { } location)
        {
            return await GetHtmlAsync(http, location.OriginalString).ConfigureAwait(false);
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidDataException($"Console page {path} answered {(int)response.StatusCode}.");
        }

        return body;
    }

    private static async Task SignInAsync(HttpClient http, AdminCredentials credentials)
    {
        var form = await http.GetStringAsync(new Uri("/console/signin", UriKind.Relative)).ConfigureAwait(false);
        using var signIn = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["csrf"] = CsrfField().Match(form).Groups["token"].Value,
            ["accessKeyId"] = credentials.AccessKeyId,
            ["secretAccessKey"] = credentials.SecretAccessKey,
            ["next"] = "",
        });
        using var signedIn = await http.PostAsync(new Uri("/console/signin", UriKind.Relative), signIn).ConfigureAwait(false);
        if (signedIn.StatusCode != HttpStatusCode.SeeOther)
        {
            throw new InvalidDataException($"Console sign-in answered {(int)signedIn.StatusCode}.");
        }
    }

    /// <summary>Creates the probe's group with X-Ray's <c>CreateGroup</c>; true when it exists afterwards.</summary>
    private static async Task<bool> CreateGroupAsync(HttpClient http, XRaySigner signer)
    {
        var body = Encoding.UTF8.GetBytes("{\"GroupName\":\"" + GroupName + "\",\"FilterExpression\":\"annotation.customer_tier = \\\"gold\\\"\"}");
        using var request = signer.Post("/CreateGroup", body);
        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return response.IsSuccessStatusCode || answer.Contains("already exists", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>What the page says it counted: the histogram's traces, the map's entry requests, the traces processed for the list.</summary>
    private static string Counted(string html)
    {
        var parts = new List<string>();
        void Add(Regex pattern, string label)
        {
            if (pattern.Match(html) is { Success: true } match)
            {
                parts.Add(label + " " + WebUtility.HtmlDecode(match.Groups["n"].Value));
            }
        }

        Add(HistogramTotal(), "histogram");
        Add(NodeHistogramTotal(), "node histogram");
        Add(MapRequests(), "map entry requests");
        Add(MapTraces(), "map traces");
        Add(MapInRange(), "of traces in range");
        Add(Processed(), "processed for the list");
        if (html.Contains("Only the newest", StringComparison.Ordinal))
        {
            parts.Add("histogram bounded to the newest traces");
        }

        return string.Join(", ", parts);
    }

    /// <summary>The link of a histogram's bar counting the most, or <see langword="null"/> when it has none.</summary>
    private static string? FullestBar(string html) =>
        BarLink().Matches(html).MaxBy(m => long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture)) is { } bar ? Href(bar) : null;

    private static string Href(Match match) => WebUtility.HtmlDecode(match.Groups["href"].Value);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("name=\"csrf\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex CsrfField();

    [GeneratedRegex("data-trace-id=\"(?<id>[^\"]+)\"")]
    private static partial Regex TraceRow();

    [GeneratedRegex("<a href=\"(?<href>[^\"]+)\" rel=\"next\" id=\"next-page\">")]
    private static partial Regex NextPage();

    [GeneratedRegex("<a class=\"bar-link\" href=\"(?<href>[^\"]+)\">\\s*<g class=\"bar\" data-bucket=\"\\d+\" data-count=\"(?<count>\\d+)\"")]
    private static partial Regex BarLink();

    [GeneratedRegex("<a class=\"node-link\" href=\"(?<href>[^\"]+)\"")]
    private static partial Regex NodeLink();

    [GeneratedRegex("<a class=\"edge-link\" href=\"(?<href>[^\"]+)\"")]
    private static partial Regex EdgeLink();

    [GeneratedRegex("<a href=\"(?<href>[^\"]+)\" id=\"edge-traces\">")]
    private static partial Regex EdgeTracesLink();

    [GeneratedRegex("<a class=\"node-details\" href=\"(?<href>[^\"]+)\"")]
    private static partial Regex NodePanelLink();

    [GeneratedRegex("id=\"histogram-total\">(?<n>[^<]+)<")]
    private static partial Regex HistogramTotal();

    [GeneratedRegex("id=\"node-histogram-total\">(?<n>[^<]+)<")]
    private static partial Regex NodeHistogramTotal();

    [GeneratedRegex("id=\"map-requests\">(?<n>[^<]+)<")]
    private static partial Regex MapRequests();

    [GeneratedRegex("id=\"map-traces\">(?<n>[^<]+)<")]
    private static partial Regex MapTraces();

    [GeneratedRegex("id=\"map-in-range\">(?<n>[^<]+)<")]
    private static partial Regex MapInRange();

    [GeneratedRegex("id=\"processed-count\">(?<n>[^<]+)<")]
    private static partial Regex Processed();
}
