using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;
using Tracevault.Server.Http;

namespace Tracevault.Server.Console;

/// <summary>The audit trail: the account's CloudTrail records filtered by event name, user and key, one record in full, and the chain's verification.</summary>
public sealed class AuditPage
{
    /// <summary>The IAM action the page needs, as <c>LookupEvents</c> does.</summary>
    public const string Action = "cloudtrail:LookupEvents";

    /// <summary>How many records one page aims to show (a page may show more, up to one batch over).</summary>
    public const int PageSize = 50;

    private const int BatchSize = 100;

    // Bounds the work of one page when the filters are combined: the rest is on the next page.
    private const int MaxBatchesPerPage = 20;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly IAuditLog _audit;
    private readonly KeyService _kms;
    private readonly ConsoleLayout _layout;

    /// <summary>Creates the page.</summary>
    public AuditPage(IAuditLog audit, KeyService kms, ConsoleLayout layout)
    {
        _audit = audit;
        _kms = kms;
        _layout = layout;
    }

    /// <summary>GET <c>/console/audit</c>: <c>event</c>, <c>user</c>, <c>key</c> filter; <c>before</c> pages; <c>verify=1</c> walks the hash chain.</summary>
    public Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var query = context.Request.Query;
        var filter = new Filter(query["event"].ToString().Trim(), query["user"].ToString().Trim(), query["key"].ToString().Trim());
        long? before = long.TryParse(query["before"], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) && sequence > 0 ? sequence : null;
        var caller = session.CallerFor(context);

        var html = new HtmlWriter();
        html.Append($"<h1>Audit trail</h1>");
        try
        {
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.CloudTrail, Action, "*");
        }
        catch (ApiException exception)
        {
            html.Raw(ConsoleErrors.Render(exception));
            return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Audit trail", ConsoleSection.Audit, html.ToHtml()), ConsoleErrors.Status(exception));
        }

        html.Append($"""
            <form method="get" action="/console/audit" class="query" id="audit-query">
            <label>Event name <input name="event" id="filter-event" value="{filter.EventName}" placeholder="e.g. Decrypt" spellcheck="false" autocapitalize="off"></label>
            <label>User <input name="user" id="filter-user" value="{filter.User}" placeholder="e.g. admin or xray.amazonaws.com" spellcheck="false" autocapitalize="off"></label>
            <label class="filter">Key <input name="key" id="filter-key" value="{filter.Key}" placeholder="key ARN or key id" spellcheck="false" autocapitalize="off"></label>
            <button type="submit" class="primary">Filter</button>
            <button type="submit" name="verify" value="1" id="verify-chain">Verify the chain</button>
            </form>
            """);

        if (query["verify"] == "1")
        {
            html.Raw(RenderVerification(_audit.Verify()));
        }

        var keyArn = KeyArnOf(caller.AccountId, filter.Key);
        var (events, next) = Find(caller.AccountId, filter, keyArn, before);
        html.Raw(RenderEvents(events, filter, next, before is not null));
        return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Audit trail", ConsoleSection.Audit, html.ToHtml()));
    }

    /// <summary>GET <c>/console/audit/{eventId}</c>: one record's full CloudTrail JSON.</summary>
    public Task ShowEventAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var eventId = context.Request.RouteValues["eventId"]?.ToString() ?? "";
        var caller = session.CallerFor(context);
        var html = new HtmlWriter();
        html.Append($"<p class=\"crumbs\"><a href=\"/console/audit\">Audit trail</a> / event</p><h1>Event <span class=\"id\">{eventId}</span></h1>");
        try
        {
            ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.CloudTrail, Action, "*");
        }
        catch (ApiException exception)
        {
            html.Raw(ConsoleErrors.Render(exception));
            return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Audit event", ConsoleSection.Audit, html.ToHtml()), ConsoleErrors.Status(exception));
        }

        var found = eventId.Length is > 0 and <= 128
            ? _audit.Lookup(new AuditQuery(caller.AccountId, "EventId", eventId, null, null, 1, null)).Events is [var first, ..] ? first : null
            : null;
        if (found is null)
        {
            html.Append($"<section class=\"panel refused\" id=\"event-not-found\"><h2>No such event</h2><p>Your account's audit trail has no event with this id.</p></section>");
            return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Audit event", ConsoleSection.Audit, html.ToHtml()), StatusCodes.Status404NotFound);
        }

        html.Append($"""
            <dl class="facts">
            <div><dt>Event</dt><dd>{found.EventName}</dd></div>
            <div><dt>Time</dt><dd>{ConsoleFormat.Time(found.EventTime)}</dd></div>
            <div><dt>User</dt><dd>{found.Username}</dd></div>
            <div><dt>Result</dt><dd>{Result(found)}</dd></div>
            </dl>
            <pre class="json" id="event-record"><code>{Pretty(found.RecordJson)}</code></pre>
            """);
        return ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Audit event", ConsoleSection.Audit, html.ToHtml()));
    }

    private (List<AuditEvent> Events, long? Next) Find(string accountId, Filter filter, string? keyArn, long? before)
    {
        // The store looks up one attribute; the most selective given goes to it, the others are checked here.
        var (attribute, value) = keyArn is not null ? ("ResourceName", keyArn)
            : filter.EventName.Length > 0 ? ("EventName", filter.EventName)
            : filter.User.Length > 0 ? ("Username", filter.User)
            : ((string?)null, (string?)null);
        var filtersGiven = (keyArn is null ? 0 : 1) + (filter.EventName.Length > 0 ? 1 : 0) + (filter.User.Length > 0 ? 1 : 0);
        var batchSize = filtersGiven <= 1 ? PageSize : BatchSize;
        var events = new List<AuditEvent>();
        long? next = before;
        for (var batch = 0; batch < MaxBatchesPerPage; batch++)
        {
            var page = _audit.Lookup(new AuditQuery(accountId, attribute, value, null, null, batchSize, next));
            events.AddRange(page.Events.Where(e =>
                (filter.EventName.Length == 0 || e.EventName == filter.EventName)
                && (filter.User.Length == 0 || e.Username == filter.User)
                && (keyArn is null || e.ResourceArns.Contains(keyArn))));
            next = page.NextSequence;
            if (next is null || events.Count >= PageSize)
            {
                break;
            }
        }

        return (events, next);
    }

    /// <summary>A key filter as a key ARN: an ARN as given, a bare key id in the caller's account; null when there is no key filter.</summary>
    private string? KeyArnOf(string accountId, string key) => key.Length == 0 ? null
        : key.StartsWith("arn:", StringComparison.Ordinal) ? key
        : _kms.KeyArn(accountId, key);

    private static TrustedHtml RenderVerification(AuditVerification verification)
    {
        var upTo = verification.LastEventTime is { } last ? ConsoleFormat.Time(last) : "";
        if (verification.Verified)
        {
            return new HtmlWriter().Append($"""
                <section class="panel verified" id="chain-verification" role="status">
                <h2>Chain verified</h2>
                <p>Verified <strong id="verified-records">{ConsoleFormat.Count(verification.Records)}</strong> records{(upTo.Length > 0 ? " up to " : "")}{upTo}: every record's keyed link matches its content and the record before it, and the chain ends where its sealed head says. Nothing was changed, removed, inserted or cut off.</p>
                </section>
                """).ToHtml();
        }

        var html = new HtmlWriter().Append($"""
            <section class="panel refused" id="chain-verification" role="alert">
            <h2>The chain is broken</h2>
            <p id="chain-problem">The audit trail is {verification.Problem}.</p>
            <p>{ConsoleFormat.Count(verification.Records)} records verified before that.
            """);
        if (verification.BrokenEventId is { } broken)
        {
            html.Append($""" The first broken link is event <a class="id" id="broken-event" href="/console/audit/{broken}">{broken}</a>.""");
        }

        return html.Append($"</p></section>").ToHtml();
    }

    private static TrustedHtml RenderEvents(List<AuditEvent> events, Filter filter, long? next, bool paged)
    {
        var html = new HtmlWriter();
        if (events.Count == 0)
        {
            html.Append($"<p class=\"empty\" id=\"no-events\">No events {(paged ? "further back " : "")}match.</p>");
            return html.ToHtml();
        }

        html.Append($"""
            <div class="table-wrap">
            <table class="audit" id="audit-table">
            <thead><tr><th>Time</th><th>Event name</th><th>User</th><th>Key</th><th>Result</th><th></th></tr></thead>
            <tbody>
            """);
        foreach (var record in events)
        {
            var result = Result(record);
            html.Append($"""
                <tr data-event-id="{record.EventId}" data-event-name="{record.EventName}">
                <td class="time">{ConsoleFormat.Time(record.EventTime)}</td>
                <td class="event-name">{record.EventName}</td>
                <td class="user">{record.Username}</td>
                <td class="key">{Keys(record, filter)}</td>
                <td class="result"><span class="badge {(result == "Success" ? "ok" : "fault")}">{result}</span></td>
                <td><a href="/console/audit/{record.EventId}">Record</a></td>
                </tr>
                """);
        }

        html.Append($"</tbody></table></div>");
        if (next is not null)
        {
            var link = ConsoleResponses.Link("/console/audit", ("event", filter.EventName), ("user", filter.User), ("key", filter.Key), ("before", next.Value.ToString(CultureInfo.InvariantCulture)));
            html.Append($"<nav class=\"pager\" aria-label=\"Pages\"><a href=\"/console/audit\">Newest</a><a href=\"{link}\" rel=\"next\" id=\"next-page\">Older</a></nav>");
        }

        return html.ToHtml();
    }

    private static TrustedHtml Keys(AuditEvent record, Filter filter)
    {
        var html = new HtmlWriter();
        foreach (var arn in record.ResourceArns)
        {
            var keyId = arn[(arn.LastIndexOf('/') + 1)..];
            var link = ConsoleResponses.Link("/console/audit", ("event", filter.EventName), ("user", filter.User), ("key", arn));
            html.Append($"<a class=\"id\" href=\"{link}\" title=\"{arn}\">{keyId}</a> ");
        }

        return html.ToHtml();
    }

    /// <summary>Success, or the record's error code.</summary>
    private static string Result(AuditEvent record)
    {
        try
        {
            using var document = JsonDocument.Parse(record.RecordJson);
            return document.RootElement.TryGetProperty("errorCode", out var code) && code.ValueKind == JsonValueKind.String ? code.GetString()! : "Success";
        }
        catch (JsonException)
        {
            return "(unreadable record)";
        }
    }

    private static string Pretty(string json)
    {
        try
        {
            return JsonNode.Parse(json)?.ToJsonString(Indented) ?? json;
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private sealed record Filter(string EventName, string User, string Key);
}
