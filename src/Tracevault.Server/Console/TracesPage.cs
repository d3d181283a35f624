using System.Globalization;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;
using Tracevault.Server.Http;
using Tracevault.Server.XRay;
using Tracevault.Server.XRay.Groups;
using Tracevault.Server.XRay.Statistics;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Console;

/// <summary>The trace list: a time range, a filter expression in X-Ray's language, and the matching trace summaries, a page at a time.</summary>
public sealed class TracesPage
{
    /// <summary>How many summaries one page of the table shows.</summary>
    public const int PageSize = 50;

    /// <summary>The most traces one page processes before it shows what matched so far and a link to go on (a page stays fast however little matches).</summary>
    public const int ScanLimit = 500;

    /// <summary>The IAM action the page needs, as <c>GetTraceSummaries</c> does.</summary>
    public const string Action = "xray:GetTraceSummaries";

    /// <summary>The most traces the response-time histogram reads when a filter or group is given (the newest of the range).</summary>
    public const int HistogramTraceLimit = 5_000;

    private const string FilterExample = "e.g. service(\"api\") { fault } AND annotation.customer = \"c7\"";

    private readonly XRayQueryApi _queries;
    private readonly GroupService _groups;
    private readonly ConsoleLayout _layout;
    private readonly TimeProvider _time;
    private readonly StatisticsReader _statistics;
    private readonly TraceFactsQuery _facts;

    /// <summary>Creates the page.</summary>
    public TracesPage(XRayQueryApi queries, GroupService groups, ConsoleLayout layout, TimeProvider time, StatisticsReader statistics, TraceFactsQuery facts)
    {
        _queries = queries;
        _statistics = statistics;
        _facts = facts;
        _groups = groups;
        _layout = layout;
        _time = time;
    }

    /// <summary>GET <c>/console/traces</c>.</summary>
    public async Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var query = context.Request.Query;
        var range = ConsoleTimeRange.FromQuery(query, _time.GetUtcNow());
        var filterText = query["filter"].ToString();
        var group = GroupPicker.Selected(query);
        var pageNumber = int.TryParse(query["page"], NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0 ? number : 1;
        var after = SummaryCursor.Parse(query["after"].ToString());
        if (after is null)
        {
            pageNumber = 1;
        }

        var html = new HtmlWriter();
        html.Append($"""
            <h1>Traces</h1>
            <form method="get" action="/console/traces" class="query" id="trace-query">
            {TimeRangePicker.Render(range)}
            {GroupPicker.Render(_groups, session.CallerFor(context), group)}
            <label class="filter">Filter expression <input name="filter" id="filter" value="{filterText}" placeholder="{FilterExample}" spellcheck="false" autocapitalize="off"></label>
            <button type="submit" class="primary">Search</button>
            </form>
            """);

        var status = StatusCodes.Status200OK;
        FilterExpression? filter = null;
        FilterExpressionException? filterError = null;
        if (!string.IsNullOrWhiteSpace(filterText))
        {
            try
            {
                filter = FilterExpression.Parse(filterText, _queries.GroupsOf(session.Caller.AccountId));
            }
            catch (FilterExpressionException exception)
            {
                filterError = exception;
            }
        }

        string? groupError = null;
        if (group.Length > 0 && filterError is null)
        {
            // Scoped to a group as a GetTraceSummaries caller scopes it: group.name = "…", AND the user's own filter.
            var scoped = GroupPicker.FilterFor(group) + (filter is null ? "" : " AND (" + filter.Text + ")");
            try
            {
                filter = FilterExpression.Parse(scoped, _queries.GroupsOf(session.Caller.AccountId));
            }
            catch (FilterExpressionException exception)
            {
                groupError = exception.Reason;
            }
        }

        try
        {
            var caller = session.CallerFor(context);
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, Action, "*");
            if (filterError is not null)
            {
                html.Raw(RenderFilterError(filterText, filterError));
                status = StatusCodes.Status400BadRequest;
            }
            else if (groupError is not null)
            {
                html.Append($"<section class=\"panel refused\" id=\"group-error\" role=\"alert\"><h2>The group cannot be used</h2><p>{groupError}.</p></section>");
                status = StatusCodes.Status400BadRequest;
            }
            else
            {
                // Every trace of the range counted from the facts kept at ingest, and only the page's traces read; where the facts
                // cannot answer, one page at a time newest first (a page reads only the chunks it shows, however large the store).
                var answer = await _facts.FindAsync(caller, range.StartSeconds, range.EndSeconds, filter, after, PageSize, context.RequestAborted).ConfigureAwait(false);
                if (answer is not null)
                {
                    html.Raw(RenderHistogram(context, range, filterText, answer));
                    html.Raw(RenderResults(range, filterText, group, pageNumber, answer.Page, answer));
                }
                else
                {
                    var page = await _queries.FindSummariesPageAsync(caller, range.StartSeconds, range.EndSeconds, filter, after, PageSize, ScanLimit, context.RequestAborted).ConfigureAwait(false);
                    html.Raw(await RenderHistogramAsync(context, caller, range, filter, filterText).ConfigureAwait(false));
                    html.Raw(RenderResults(range, filterText, group, pageNumber, page, null));
                }
            }
        }
        catch (ApiException exception)
        {
            html.Raw(ConsoleErrors.Render(exception));
            status = ConsoleErrors.Status(exception);
        }

        await ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Traces", ConsoleSection.Traces, html.ToHtml()), status).ConfigureAwait(false);
    }

    /// <summary>The response-time histogram of every trace the range and filter select, from their kept facts.</summary>
    private static TrustedHtml RenderHistogram(HttpContext context, ConsoleTimeRange range, string filterText, TraceFactsAnswer answer)
    {
        var histogram = ResponseTimeHistogram.FromOutcomes(answer.Tally.Outcomes);
        var notCounted = NotCounted(answer.NotCounted);
        var caption = new HtmlWriter().Append($"""
            <p class="histogram-caption" id="histogram-caption"><strong id="histogram-total">{ConsoleFormat.Count(histogram.Total)}</strong> {(string.IsNullOrWhiteSpace(filterText) ? "traces" : "matching traces")} of <span id="histogram-in-range">{ConsoleFormat.Count(answer.Tally.InRange)}</span> dated {ConsoleFormat.Time(range.Start)} to {ConsoleFormat.Time(range.End)}, every one counted (from the facts kept at ingest), by the response time of the trace's root segment: ok <span id="histogram-ok">{ConsoleFormat.Count(histogram.Outcome(0))}</span> · error <span id="histogram-error">{ConsoleFormat.Count(histogram.Outcome(1))}</span> · fault <span id="histogram-fault">{ConsoleFormat.Count(histogram.Outcome(2))}</span> · throttle <span id="histogram-throttle">{ConsoleFormat.Count(histogram.Outcome(3))}</span>.{notCounted}</p>
            """).ToHtml();
        return histogram.Render(context.Request.Query, i => ResponseTimeHistogram.FilterFor(i, filterText), caption);
    }

    /// <summary>
    /// The response-time histogram of every trace the range selects: without a filter or group from the kept statistics' entry
    /// requests (no segment read), otherwise from the newest <see cref="HistogramTraceLimit"/> traces of the range read and matched.
    /// </summary>
    private async Task<TrustedHtml> RenderHistogramAsync(HttpContext context, Core.Identity.Caller caller, ConsoleTimeRange range, FilterExpression? filter, string filterText)
    {
        if (filter is null)
        {
            var (from, to) = ServiceMapPage.StatisticsMinutes(range);
            var read = await _statistics.ReadAsync(caller.AccountId, from, to, caller, context.RequestAborted).ConfigureAwait(false);
            var entries = AggregateServiceMap.Build(read.Minutes).Entries;
            var histogram = ResponseTimeHistogram.FromStatistics(entries);
            var caption = new HtmlWriter().Append($"""
                <p class="histogram-caption" id="histogram-caption"><strong id="histogram-total">{ConsoleFormat.Count(histogram.Total)}</strong> traces of {ConsoleFormat.Time(DateTimeOffset.FromUnixTimeSeconds(from))} to {ConsoleFormat.Time(DateTimeOffset.FromUnixTimeSeconds(to))} (whole minutes), each by the response time of its entry segment (the first service it reached), from the statistics kept at ingest: ok <span id="histogram-ok">{ConsoleFormat.Count(entries.Ok)}</span> · error {ConsoleFormat.Count(entries.OtherErrors)} · fault <span id="histogram-fault">{ConsoleFormat.Count(entries.Faults)}</span> · throttle {ConsoleFormat.Count(entries.Throttles)}. A filter splits each bar by outcome.{(read.Unreadable > 0 ? $" {read.Unreadable} minutes could not be read (their key cannot be used by you) and are left out." : "")}</p>
                """).ToHtml();
            return histogram.Render(context.Request.Query, i => ResponseTimeHistogram.FilterFor(i, filterText), caption);
        }

        var page = await _queries.FindSummariesPageAsync(caller, range.StartSeconds, range.EndSeconds, filter, null, HistogramTraceLimit, HistogramTraceLimit, context.RequestAborted).ConfigureAwait(false);
        var matched = ResponseTimeHistogram.FromSummaries(page.Summaries);
        var bounded = page.Next is null ? "" : $" Only the newest {ConsoleFormat.Count(HistogramTraceLimit)} traces of the range are read for it: older ones are not counted.";
        var matchedCaption = new HtmlWriter().Append($"""
            <p class="histogram-caption" id="histogram-caption"><strong id="histogram-total">{ConsoleFormat.Count(matched.Total)}</strong> matching traces of {ConsoleFormat.Count(page.Processed)} read, {ConsoleFormat.Time(range.Start)} to {ConsoleFormat.Time(range.End)}, by the response time of the trace's root segment.{bounded}</p>
            """).ToHtml();
        return matched.Render(context.Request.Query, i => ResponseTimeHistogram.FilterFor(i, filterText), matchedCaption);
    }

    /// <summary>The filter's error, with a caret under the character where the problem was found.</summary>
    public static TrustedHtml RenderFilterError(string text, FilterExpressionException error)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(error);
        var position = Math.Clamp(error.Position, 0, text.Length);
        var before = text[..position];
        var at = position < text.Length ? text[position].ToString() : " ";
        var after = position < text.Length ? text[(position + 1)..] : "";
        return new HtmlWriter().Append($"""
            <section class="panel refused" id="filter-error" role="alert">
            <h2>The filter expression is not valid</h2>
            <p><span class="error-reason">{error.Reason}</span> (at position <span id="filter-error-position">{position}</span>).</p>
            <pre class="expression"><code>{before}<mark class="error-at">{at}</mark>{after}
            {new string(' ', position)}^</code></pre>
            </section>
            """).ToHtml();
    }

    /// <summary>The sentence saying how many traces the facts could not answer for and were too many to read whole (none when there are none).</summary>
    internal static string NotCounted(int traces) => traces == 0 ? ""
        : $" {ConsoleFormat.Count(traces)} older traces whose parts arrived separately would have to be read whole to tell, and are not counted.";

    private static TrustedHtml RenderResults(ConsoleTimeRange range, string filterText, string group, int pageNumber, SummaryPage result, TraceFactsAnswer? counted)
    {
        var page = result.Summaries;
        var first = (pageNumber - 1) * PageSize;
        var html = new HtmlWriter();
        html.Append($"""
            <p class="crumb-aside"><a href="{Carrying("/console/map", range, filterText, group)}" id="to-service-map">Service map of this time range</a></p>
            """);
        if (counted is null)
        {
            html.Append($"""
                <p class="counts" id="counts"><strong id="matched-count">{ConsoleFormat.Count(page.Count)}</strong> traces matched of <strong id="processed-count">{ConsoleFormat.Count(result.Processed)}</strong> processed for this page, {ConsoleFormat.Time(range.Start)} to {ConsoleFormat.Time(range.End)}, newest first.</p>
                """);
        }
        else
        {
            html.Append($"""
                <p class="counts" id="counts"><strong id="matched-count">{ConsoleFormat.Count(page.Count)}</strong> traces on this page of <strong id="processed-count">{ConsoleFormat.Count(counted.Tally.Matches)}</strong> matching in the range, {ConsoleFormat.Time(range.Start)} to {ConsoleFormat.Time(range.End)}, newest first.</p>
                """);
        }

        if (result.Damaged > 0)
        {
            html.Append($"<p class=\"panel refused\" id=\"damaged\" role=\"alert\"><strong id=\"damaged-count\">{ConsoleFormat.Count(result.Damaged)}</strong> traces could not be read: damaged. The server log names the chunks; <code>tracevault check</code> reports the whole store.</p>");
        }

        if (result.Unreadable.Count > 0)
        {
            // What could not be read is named, not hidden, and does not hide what could.
            var count = result.Unreadable.Sum(k => k.Traces);
            html.Append($"<section class=\"panel refused\" id=\"unreadable\" role=\"alert\"><p><strong id=\"unreadable-count\">{ConsoleFormat.Count(count)}</strong> {(count == 1 ? "trace in this range could not be read and is" : "traces in this range could not be read and are")} not listed:</p><ul class=\"unreadable-keys\">");
            foreach (var key in result.Unreadable)
            {
                html.Append($"<li class=\"unreadable-key\" data-key-arn=\"{key.KeyArn}\"><strong>{ConsoleFormat.Count(key.Traces)}</strong> under <span class=\"id key-arn\">{key.KeyArn}</span>: <span class=\"reason\">{UnreadableReason(key)}</span></li>");
            }

            html.Append($"</ul></section>");
        }

        if (page.Count == 0 && result.Next is null)
        {
            html.Append($"<p class=\"empty\" id=\"no-traces\">No traces in this range match.</p>");
            return html.ToHtml();
        }

        if (page.Count == 0)
        {
            html.Append($"<p class=\"empty\" id=\"no-matches-yet\">None of the newest traces processed for this page match; older traces in the range are not processed yet.</p>");
            html.Append($"<nav class=\"pager\" aria-label=\"Pages\"><a href=\"{PageLink(range, filterText, group, result.Next, pageNumber + 1)}\" rel=\"next\" id=\"next-page\">Go on with older traces</a></nav>");
            return html.ToHtml();
        }

        html.Append($"""
            <div class="table-wrap">
            <table class="traces" id="trace-table">
            <thead><tr><th>ID</th><th>Started</th><th>Method</th><th>URL</th><th>Status</th><th class="num">Response time</th><th>Service</th><th>Annotations</th></tr></thead>
            <tbody>
            """);
        foreach (var summary in page)
        {
            html.Append($"""
                <tr data-trace-id="{summary.Id}">
                <td class="id"><a href="{Carrying("/console/traces/" + summary.Id, range, filterText, group)}">{summary.Id}</a>{Badges(summary)}</td>
                <td class="time">{ConsoleFormat.Time(summary.StartTime)}</td>
                <td>{summary.Http?.HttpMethod}</td>
                <td class="url">{summary.Http?.HttpUrl}</td>
                <td>{summary.Http?.HttpStatus?.ToString(CultureInfo.InvariantCulture)}</td>
                <td class="num">{ConsoleFormat.Duration(summary.ResponseTime)}</td>
                <td>{summary.EntryPoint?.Name}</td>
                <td class="annotations">{Annotations(summary)}</td>
                </tr>
                """);
        }

        html.Append($"</tbody></table></div>");
        if (pageNumber > 1 || result.Next is not null)
        {
            html.Append($"<nav class=\"pager\" aria-label=\"Pages\">");
            if (pageNumber > 1)
            {
                html.Append($"<a href=\"{PageLink(range, filterText, group, null, 1)}\" rel=\"first\">Newest</a>");
            }

            html.Append($"<span>Page {pageNumber}, traces {first + 1}–{first + page.Count}</span>");
            if (result.Next is not null)
            {
                html.Append($"<a href=\"{PageLink(range, filterText, group, result.Next, pageNumber + 1)}\" rel=\"next\" id=\"next-page\">Older</a>");
            }

            html.Append($"</nav>");
        }

        return html.ToHtml();
    }

    /// <summary>Why a key's traces could not be read, in short: the reader's missing right, or what the key service said about the key.</summary>
    private static string UnreadableReason(UnreadableKey key)
    {
        if (key.AccessDenied)
        {
            return "you have no kms:Decrypt on this key (ask for a grant or a key policy statement).";
        }

        // "… which cannot decrypt (DisabledException: <arn> is disabled.)." → "DisabledException: the key is disabled."
        const string Marker = "cannot decrypt (";
        var reason = key.Reason;
        var at = reason.IndexOf(Marker, StringComparison.Ordinal);
        if (at >= 0 && reason.EndsWith(").", StringComparison.Ordinal))
        {
            reason = reason[(at + Marker.Length)..^2];
        }

        return "the key cannot decrypt: " + reason.Replace(key.KeyArn, "the key", StringComparison.Ordinal);
    }

    /// <summary>A link to another page that carries the range, the filter and the group, so they follow the user there and back.</summary>
    private static string Carrying(string path, ConsoleTimeRange range, string filterText, string group)
    {
        var parameters = range.QueryParameters().Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)).ToList();
        if (!string.IsNullOrEmpty(filterText))
        {
            parameters.Add(new("filter", filterText));
        }

        if (group.Length > 0)
        {
            parameters.Add(new(GroupPicker.Parameter, group));
        }

        return path + QueryString.Create(parameters).Value;
    }

    private static string PageLink(ConsoleTimeRange range, string filterText, string group, SummaryCursor? after, int page)
    {
        var parameters = range.QueryParameters().Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)).ToList();
        parameters.Add(new("filter", filterText));
        if (group.Length > 0)
        {
            parameters.Add(new(GroupPicker.Parameter, group));
        }

        if (after is not null)
        {
            parameters.Add(new("after", after.ToString()));
            parameters.Add(new("page", page.ToString(CultureInfo.InvariantCulture)));
        }

        return "/console/traces" + QueryString.Create(parameters).Value;
    }

    private static TrustedHtml Badges(TraceSummary summary)
    {
        var html = new HtmlWriter();
        if (summary.HasFault)
        {
            html.Append($" <span class=\"badge fault\">fault</span>");
        }

        if (summary.HasError)
        {
            html.Append($" <span class=\"badge error\">error</span>");
        }

        if (summary.HasThrottle)
        {
            html.Append($" <span class=\"badge throttle\">throttle</span>");
        }

        if (summary.IsPartial)
        {
            html.Append($" <span class=\"badge partial\">in progress</span>");
        }

        return html.ToHtml();
    }

    private static TrustedHtml Annotations(TraceSummary summary)
    {
        var html = new HtmlWriter();
        foreach (var (key, values) in summary.Annotations)
        {
            html.Append($"<span class=\"annotation\">{key} = {string.Join(", ", values.Select(v => v.AnnotationValue.ToString()))}</span> ");
        }

        return html.ToHtml();
    }
}
