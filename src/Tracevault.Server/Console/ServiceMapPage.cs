using Tracevault.Core.Traces.Filters;
using Tracevault.Core.Traces.Graphs;
using Tracevault.Server.Http;
using Tracevault.Server.XRay;
using Tracevault.Server.XRay.Groups;
using Tracevault.Server.XRay.Statistics;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Console;

/// <summary>The service map: the services of a time range as nodes and their calls as edges, each with requests, average latency and error, fault and throttle shares, drawn as SVG.</summary>
/// <remarks>
/// Without a group it is built from the kept per-minute statistics (every request of the range). Scoped to a group, whose filter is a
/// test on whole traces, from the requests the trace facts kept of every trace of the range the group's filter picks; from the newest
/// traces of the range only when the facts cannot answer (a filter only documents answer, data stored before the facts kept
/// requests, or statistics this user cannot open).
/// </remarks>
public sealed class ServiceMapPage
{
    /// <summary>The most traces one map is drawn from when it reads traces: the newest of the range.</summary>
    public const int MaxTraces = 200;

    /// <summary>How many more reads (of a second's traces each, seconds without traces skipped) the map makes for more traces once it has some: at most four minutes of data.</summary>
    public const int MaxExtraReads = 240;

    /// <summary>The IAM action the page needs, as <c>GetServiceGraph</c> does.</summary>
    public const string Action = "xray:GetServiceGraph";

    private const int MaxNameLength = 28;

    private readonly XRayQueryApi _queries;
    private readonly GroupService _groups;
    private readonly ConsoleLayout _layout;
    private readonly TimeProvider _time;
    private readonly StatisticsReader _statistics;
    private readonly TraceFactsQuery _facts;

    /// <summary>Creates the page.</summary>
    public ServiceMapPage(XRayQueryApi queries, GroupService groups, ConsoleLayout layout, TimeProvider time, StatisticsReader statistics, TraceFactsQuery facts)
    {
        _queries = queries;
        _statistics = statistics;
        _facts = facts;
        _groups = groups;
        _layout = layout;
        _time = time;
    }

    /// <summary>GET <c>/console/map</c>.</summary>
    public async Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var range = ConsoleTimeRange.FromQuery(context.Request.Query, _time.GetUtcNow());
        var group = GroupPicker.Selected(context.Request.Query);
        var html = new HtmlWriter();
        html.Append($"""
            <h1>Service map</h1>
            <form method="get" action="/console/map" class="query" id="map-query">
            {TimeRangePicker.Render(range)}
            {GroupPicker.Render(_groups, session.CallerFor(context), group)}
            <input type="hidden" name="filter" value="{context.Request.Query["filter"].ToString()}">
            <button type="submit" class="primary">Show</button>
            </form>
            """);
        // The range and the Traces page's filter go back with the user (the filter rides along, unused here).
        html.Append($"<p class=\"crumb-aside\"><a href=\"{ConsoleNavigation.Link("/console/traces", context.Request.Query)}\" id=\"to-traces\">Traces of this time range</a></p>");
        var status = StatusCodes.Status200OK;
        try
        {
            var caller = session.CallerFor(context);
            var groupFilter = AuthorizeGroup(caller, group);
            IReadOnlyList<ServiceGraphNode> nodes;
            if (group.Length == 0)
            {
                // Every trace of the range, from the statistics kept at ingest: no segment is read.
                var (from, to) = StatisticsMinutes(range);
                var read = await _statistics.ReadAsync(caller.AccountId, from, to, caller, context.RequestAborted).ConfigureAwait(false);
                var map = AggregateServiceMap.Build(read.Minutes);
                nodes = map.Nodes;
                html.Append($"<p class=\"counts\" id=\"map-counts\"><strong>{ConsoleFormat.Count(nodes.Count(n => !n.Client))}</strong> services, <strong>{ConsoleFormat.Count(nodes.Where(n => !n.Client).Sum(n => n.Edges.Count))}</strong> connections, from every trace of {ConsoleFormat.Time(DateTimeOffset.FromUnixTimeSeconds(from))} to {ConsoleFormat.Time(DateTimeOffset.FromUnixTimeSeconds(to))} (whole minutes): <strong id=\"map-requests\">{ConsoleFormat.Count(map.Entries.Total)}</strong> entry requests.</p>");
                if (read.Unreadable > 0)
                {
                    html.Append($"<p class=\"partial\" id=\"map-unreadable\" role=\"status\">{ConsoleFormat.Count(read.Unreadable)} minutes of statistics could not be read (their key cannot be used by you) and are left out.</p>");
                }
            }
            else if (await _facts.MapAsync(caller, range.StartSeconds, range.EndSeconds, groupFilter, context.RequestAborted).ConfigureAwait(false) is { Tally.Map: { } requests } answer)
            {
                // Every trace of the range the group picks, its requests as the trace facts kept them: no segment is read.
                nodes = AggregateServiceMap.Build([requests.ToMinute(StatisticsMinutes(range).From)]).Nodes;
                html.Append($"<p class=\"counts\" id=\"map-counts\"><strong>{ConsoleFormat.Count(nodes.Count(n => !n.Client))}</strong> services, <strong>{ConsoleFormat.Count(nodes.Where(n => !n.Client).Sum(n => n.Edges.Count))}</strong> connections, from every trace of group {group} dated {ConsoleFormat.Time(range.Start)} to {ConsoleFormat.Time(range.End)}: <strong id=\"map-traces\">{ConsoleFormat.Count(answer.Tally.Matches)}</strong> of its <span id=\"map-in-range\">{ConsoleFormat.Count(answer.Tally.InRange)}</span> traces.{TracesPage.NotCounted(answer.NotCounted)}</p>");
            }
            else
            {
                // The newest traces of the range, not all of them: the page stays quick however much the range holds.
                (nodes, var traces) = await _queries.BuildRecentServiceGraphAsync(caller, range.StartSeconds, range.EndSeconds, MaxTraces, MaxExtraReads, groupFilter, context.RequestAborted).ConfigureAwait(false);
                html.Append($"<p class=\"counts\" id=\"map-counts\"><strong>{ConsoleFormat.Count(nodes.Count(n => !n.Client))}</strong> services, <strong>{ConsoleFormat.Count(nodes.Sum(n => n.Edges.Count))}</strong> connections, from the newest <strong id=\"map-traces\">{ConsoleFormat.Count(traces)}</strong> traces of group {group} of {ConsoleFormat.Time(range.Start)} to {ConsoleFormat.Time(range.End)}.</p>");
            }

            html.Raw(nodes.Count == 0
                ? new HtmlWriter().Append($"<p class=\"empty\" id=\"no-services\">No traces in this range.</p>").ToHtml()
                : RenderMap(nodes, context.Request.Query));
            html.Raw(RenderPanel(nodes, context.Request.Query));
        }
        catch (ApiException exception)
        {
            html.Raw(ConsoleErrors.Render(exception));
            status = ConsoleErrors.Status(exception);
        }

        await ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Service map", ConsoleSection.ServiceMap, html.ToHtml()), status).ConfigureAwait(false);
    }

    /// <summary>Authorizes the map as <c>GetServiceGraph</c> does (on the group when scoped to one) and answers the group's filter, if any.</summary>
    private FilterExpression? AuthorizeGroup(Core.Identity.Caller caller, string group)
    {
        if (group.Length == 0)
        {
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, Action, "*");
            return null;
        }

        var account = caller.AccountId;
        var found = _groups.Find(account, group, null);
        ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, Action, _groups.ResourceFor(account, group, null, found));
        var text = (found ?? throw GroupService.NotFound()).FilterExpression;
        return text is null ? null : _groups.ParseFilter(account, text);
    }

    /// <summary>The panel of the node named by <c>?service=</c>, or of the edge named by <c>?caller=</c> and <c>?callee=</c> (a client edge: <c>?callee=</c> alone): its statistics and its response-time histogram, each bar a link to its traces in that bucket.</summary>
    public static TrustedHtml RenderPanel(IReadOnlyList<ServiceGraphNode> nodes, IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(query);
        var callee = query["callee"].ToString();
        if (callee.Length > 0)
        {
            return RenderEdgePanel(nodes, query, query["caller"].ToString(), callee);
        }

        var name = query["service"].ToString();
        var node = name.Length == 0 ? null : nodes.FirstOrDefault(n => !n.Client && n.Service.Name == name);
        if (node is null)
        {
            return new TrustedHtml(string.Empty);
        }

        var service = "service(" + Quoted(node.Service.Name) + ")";
        var histogram = ResponseTimeHistogram.FromEntries(node.ResponseTimeHistogram);
        var caption = new HtmlWriter().Append($"""
            <p class="histogram-caption"><strong>{node.Service.ToString()}</strong>: {Statistics(node.SummaryStatistics)}. Its <strong id="node-histogram-total">{ConsoleFormat.Count(histogram.Total)}</strong> requests by response time (its own segments'); each bar lists the traces in which it answered in that time. <a href="{TracesLink(query, service)}" id="node-traces">All its traces</a> · <a href="{ConsoleNavigation.Link("/console/map", query)}" id="node-close">Close</a></p>
            """).ToHtml();
        return histogram.Render(query, i => service + " { " + ResponseTimeHistogram.Bounds(i) + " }", caption, "node-panel");
    }

    /// <summary>
    /// The panel of the edge from <paramref name="callerName"/> (the client node when empty) to <paramref name="calleeName"/>: the
    /// statistics and histogram of its calls, each bar a link to the traces with such a call in that bucket.
    /// </summary>
    private static TrustedHtml RenderEdgePanel(IReadOnlyList<ServiceGraphNode> nodes, IQueryCollection query, string callerName, string calleeName)
    {
        var target = nodes.FirstOrDefault(n => !n.Client && n.Service.Name == calleeName);
        var source = callerName.Length == 0 ? nodes.FirstOrDefault(n => n.Client) : nodes.FirstOrDefault(n => !n.Client && n.Service.Name == callerName);
        var edge = target is null ? null : source?.Edges.FirstOrDefault(e => e.ReferenceId == target.ReferenceId);
        if (source is null || target is null || edge is null)
        {
            var from = callerName.Length == 0 ? "clients" : callerName;
            return new HtmlWriter().Append($"""
                <section class="panel histogram" id="edge-panel"><p class="empty">No calls from {from} to {calleeName} in this range.</p></section>
                """).ToHtml();
        }

        var histogram = ResponseTimeHistogram.FromEntries(edge.ResponseTimeHistogram);
        var close = ConsoleNavigation.Link("/console/map", query);
        TrustedHtml caption;
        Func<int, string> filterFor;
        string all;
        if (source.Client)
        {
            // The entry requests of a service: its requests without a caller, found in a trace as its root-less segment.
            all = "service(" + Quoted(target.Service.Name) + ") { root }";
            filterFor = i => "service(" + Quoted(target.Service.Name) + ") { root AND " + ResponseTimeHistogram.Bounds(i) + " }";
            caption = new HtmlWriter().Append($"""
                <p class="histogram-caption"><strong>Clients → {target.Service.ToString()}</strong>: {Statistics(edge.SummaryStatistics)}. Its <strong id="edge-histogram-total">{ConsoleFormat.Count(histogram.Total)}</strong> entry requests by response time (the service's segments without a caller); each bar lists the traces that {target.Service.Name} began and in which it answered in that time. <a href="{TracesLink(query, all)}" id="edge-traces">All its traces</a> · <a href="{close}" id="edge-close">Close</a></p>
                """).ToHtml();
        }
        else
        {
            var call = "edge(" + Quoted(source.Service.Name) + ", " + Quoted(target.Service.Name) + ")";
            all = call;
            filterFor = i => call + " { " + ResponseTimeHistogram.Bounds(i) + " }";
            caption = new HtmlWriter().Append($"""
                <p class="histogram-caption"><strong>{source.Service.ToString()} → {target.Service.ToString()}</strong>: {Statistics(edge.SummaryStatistics)}. Its <strong id="edge-histogram-total">{ConsoleFormat.Count(histogram.Total)}</strong> calls by response time (each timed by the callee's segment, or the calling subsegment when the callee is not instrumented); each bar lists the traces with a call that took that time — one trace per call when each trace makes one such call. <a href="{TracesLink(query, all)}" id="edge-traces">All its traces</a> · <a href="{close}" id="edge-close">Close</a></p>
                """).ToHtml();
        }

        return histogram.Render(query, filterFor, caption, "edge-panel");
    }

    /// <summary>The link opening the panel of the edge from <paramref name="caller"/> to <paramref name="callee"/> (its client edge when <paramref name="caller"/> is the client node).</summary>
    public static string EdgePanelLink(IQueryCollection? query, ServiceGraphNode caller, ServiceGraphNode callee)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(callee);
        return ConsoleNavigation.Link(
            "/console/map",
            query ?? QueryCollection.Empty,
            new KeyValuePair<string, string?>("caller", caller.Client ? null : caller.Service.Name),
            new KeyValuePair<string, string?>("callee", callee.Service.Name)) + "#edge-panel";
    }

    /// <summary>The whole minutes of kept statistics a range touches: <c>[from, to)</c> in epoch seconds.</summary>
    public static (long From, long To) StatisticsMinutes(ConsoleTimeRange range)
    {
        ArgumentNullException.ThrowIfNull(range);
        return ((long)Math.Floor(range.StartSeconds / 60) * 60, (long)Math.Ceiling(range.EndSeconds / 60) * 60);
    }

    /// <summary>A filter expression's quoted string: the text with quotes and backslashes escaped.</summary>
    public static string Quoted(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The map as an SVG picture: edges under nodes, each labelled with its statistics; a node is a link to the Traces page filtered to it, an edge a link to its panel, both carrying the page's query.</summary>
    public static TrustedHtml RenderMap(IReadOnlyList<ServiceGraphNode> nodes, IQueryCollection? query = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var layout = ServiceMapLayout.Arrange(nodes);
        var byId = nodes.ToDictionary(n => n.ReferenceId);
        const double w = ServiceMapLayout.NodeWidth, h = ServiceMapLayout.NodeHeight;
        var html = new HtmlWriter();
        html.Append($"""
            <div class="map-wrap">
            <svg class="service-map" id="service-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {layout.Width:0} {layout.Height:0}" width="{layout.Width:0}" height="{layout.Height:0}" role="img" aria-label="Service map: {nodes.Count} services">
            <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"></path></marker></defs>
            <g class="edges">
            """);
        var labelled = new HashSet<int>();
        foreach (var node in nodes)
        {
            var (fromX, fromY) = layout.Position(node.ReferenceId);
            foreach (var edge in node.Edges)
            {
                if (!byId.TryGetValue(edge.ReferenceId, out var target))
                {
                    continue;
                }

                var (toX, toY) = layout.Position(target.ReferenceId);
                var stats = edge.SummaryStatistics;
                string path;
                double labelX, labelY;
                if (target.ReferenceId == node.ReferenceId)
                {
                    // A service calling itself: a loop over its box.
                    var left = fromX + (w * 0.35);
                    var right = fromX + (w * 0.65);
                    path = Svg($"M{left:0.#},{fromY:0.#} C{left - 30:0.#},{fromY - 50:0.#} {right + 30:0.#},{fromY - 50:0.#} {right:0.#},{fromY:0.#}");
                    (labelX, labelY) = (fromX + (w / 2), fromY - 40);
                }
                else
                {
                    // From the caller's column to the callee's; in a wrapped column the call runs straight between the other
                    // sub-column's boxes, and into one it is labelled on its straight run, where the labels of a fan-out stay apart.
                    var (exit, entry) = (layout.Column(node.ReferenceId).Exit, layout.Column(target.ReferenceId).Entry);
                    var (x1, y1) = (exit, fromY + (h / 2));
                    var (x2, y2) = (entry, toY + (h / 2));
                    var bend = Math.Max(60, Math.Abs(x2 - x1) / 2);
                    var (c1x, c2x) = (x1 + bend, x2 - bend);
                    var start = fromX + w < x1 ? Svg($"M{fromX + w:0.#},{y1:0.#} L{x1:0.#},{y1:0.#}") : Svg($"M{x1:0.#},{y1:0.#}");
                    var end = toX > x2 ? Svg($" L{toX:0.#},{y2:0.#}") : "";
                    path = start + Svg($" C{c1x:0.#},{y1:0.#} {c2x:0.#},{y2:0.#} {x2:0.#},{y2:0.#}") + end;
                    (labelX, labelY) = layout.Wrapped(target.ReferenceId) && labelled.Add(target.ReferenceId)
                        ? (x2 + (ServiceMapLayout.LabelRoom / 2), y2 + 4)
                        : ((x1 + (3 * c1x) + (3 * c2x) + x2) / 8, ((y1 * 4) + (y2 * 4)) / 8);
                }

                // The edge opens its panel; the wide transparent stroke under it makes the curve easy to hit.
                html.Append($"""
                    <a class="edge-link" href="{EdgePanelLink(query, node, target)}">
                    <g class="edge {Outcome(stats)}{(Selected(query, node, target) ? " selected" : "")}" data-from="{node.Service.Name}" data-to="{target.Service.Name}">
                    <title>{node.Service.Name} → {target.Service.Name}: {Statistics(stats)}</title>
                    <path class="edge-hit" d="{path}"></path>
                    <path class="edge-line" d="{path}" marker-end="url(#arrow)"></path>
                    <text class="edge-label" x="{labelX:0.#}" y="{labelY - 22:0.#}" text-anchor="middle">{RequestsAndLatency(stats)}</text>
                    <text class="edge-label minor" x="{labelX:0.#}" y="{labelY - 8:0.#}" text-anchor="middle">{Shares(stats)}</text>
                    </g>
                    </a>
                    """);
            }
        }

        html.Append($"</g><g class=\"nodes\">");
        foreach (var node in nodes)
        {
            var (x, y) = layout.Position(node.ReferenceId);
            var stats = node.SummaryStatistics;
            if (node.Client)
            {
                // X-Ray's client node: where the entry requests came from; its edges carry their statistics.
                html.Append($"""
                    <g class="node client {Outcome(stats)}" id="client-node" data-service="{node.Service.Name}" transform="translate({x:0.#},{y:0.#})">
                    <title>Clients: {Statistics(stats)}</title>
                    <rect width="{w}" height="{h}" rx="39"></rect>
                    <text class="node-name" x="12" y="22">Clients</text>
                    <text class="node-type" x="12" y="38">client</text>
                    <text class="node-stats" x="12" y="55">{RequestsAndLatency(stats)}</text>
                    <text class="node-stats minor" x="12" y="70">{Shares(stats)}</text>
                    </g>
                    """);
                continue;
            }

            var name = node.Service.Name.Length > MaxNameLength ? node.Service.Name[..(MaxNameLength - 1)] + "…" : node.Service.Name;
            var kind = node.Inferred ? "inferred" : node.Root ? "root" : "instrumented";
            html.Append($"""
                <a class="node-link" href="{TracesLink(query, "service(" + Quoted(node.Service.Name) + ")")}">
                <g class="node {Outcome(stats)} {kind}" data-service="{node.Service.Name}" transform="translate({x:0.#},{y:0.#})">
                <title>{node.Service.ToString()}: {Statistics(stats)}</title>
                <rect width="{w}" height="{h}" rx="10"></rect>
                <text class="node-name" x="12" y="22">{name}</text>
                <text class="node-type" x="12" y="38">{node.Service.Type ?? (node.Inferred ? "remote" : "service")}{(node.Root ? " · entry point" : "")}</text>
                <text class="node-stats" x="12" y="55">{RequestsAndLatency(stats)}</text>
                <text class="node-stats minor" x="12" y="70">{Shares(stats)}</text>
                </g>
                </a>
                <a class="node-details" href="{ConsoleNavigation.Link("/console/map", query ?? QueryCollection.Empty, new KeyValuePair<string, string?>("service", node.Service.Name))}#node-panel" data-service="{node.Service.Name}"><text x="{x + w - 10:0.#}" y="{y + 38:0.#}" text-anchor="end">histogram ›</text></a>
                """);
        }

        html.Append($"""
            </g>
            </svg>
            </div>
            <p class="legend"><span class="swatch ok"></span> all OK <span class="swatch error"></span> errors (4xx, throttles (429) among them) <span class="swatch fault"></span> faults (5xx). Each box is a service, each arrow the calls from one service to another.</p>
            """);
        return html.ToHtml();
    }

    /// <summary>Whether the page's query opens the panel of the edge from <paramref name="caller"/> to <paramref name="callee"/>.</summary>
    private static bool Selected(IQueryCollection? query, ServiceGraphNode caller, ServiceGraphNode callee) =>
        query is not null && query["callee"].ToString() == callee.Service.Name && query["caller"].ToString() == (caller.Client ? "" : caller.Service.Name);

    private static string TracesLink(IQueryCollection? query, string filter) =>
        ConsoleNavigation.Link("/console/traces", query ?? QueryCollection.Empty, new KeyValuePair<string, string?>("filter", filter));

    private static string Svg(FormattableString path) => FormattableString.Invariant(path);

    private static string Outcome(RequestStatistics stats) =>
        stats.FaultStatistics.TotalCount > 0 ? "fault" : stats.ErrorStatistics.TotalCount > 0 ? "error" : "ok";

    private static string RequestsAndLatency(RequestStatistics stats) =>
        $"{ConsoleFormat.Count(stats.TotalCount)} req · avg {ConsoleFormat.Duration(stats.TotalCount == 0 ? null : stats.TotalResponseTime / stats.TotalCount)}";

    private static string Shares(RequestStatistics stats) =>
        $"errors {ConsoleFormat.Percent(stats.ErrorStatistics.TotalCount, stats.TotalCount)} · faults {ConsoleFormat.Percent(stats.FaultStatistics.TotalCount, stats.TotalCount)} · throttles {ConsoleFormat.Percent(stats.ErrorStatistics.ThrottleCount, stats.TotalCount)}";

    private static string Statistics(RequestStatistics stats) => RequestsAndLatency(stats) + ", " + Shares(stats);
}
