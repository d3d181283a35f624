using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracevault.Core.Traces;
using Tracevault.Server.Http;
using Tracevault.Server.Otlp;
using Tracevault.Server.XRay;

namespace Tracevault.Server.Console;

/// <summary>One trace: its segments and subsegments on a timeline drawn to scale, each with its details, and the raw documents on request.</summary>
public sealed class TracePage
{
    /// <summary>The IAM action the page needs, as <c>BatchGetTraces</c> does.</summary>
    public const string Action = "xray:BatchGetTraces";

    // The bars' drawing width in SVG user units; the SVG stretches to the column's width.
    private const double BarUnits = 1000;
    private const int MaxDepthClass = 12;

    private static readonly JsonWriterOptions IndentedJson = new() { Indented = true };

    private readonly XRayQueryApi _queries;
    private readonly ConsoleLayout _layout;

    /// <summary>Creates the page.</summary>
    public TracePage(XRayQueryApi queries, ConsoleLayout layout)
    {
        _queries = queries;
        _layout = layout;
    }

    /// <summary>Where the navigation bar's trace-id box sends its id.</summary>
    public const string LookupPath = "/console/lookup";

    /// <summary>The trace-id box's query parameter.</summary>
    public const string LookupParameter = "trace";

    /// <summary>GET <c>/console/lookup?trace=…</c>: the trace-id box. An X-Ray or W3C id goes to the trace's timeline; anything else is explained.</summary>
    public async Task LookupAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var text = context.Request.Query[LookupParameter].ToString();
        if (TraceIdLookup.TryRead(text) is { } id)
        {
            ConsoleResponses.Redirect(context, ConsoleNavigation.Link("/console/traces/" + id, context.Request.Query));
            return;
        }

        var html = new HtmlWriter();
        html.Raw(NotATraceId(text));
        await ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Not a trace id", ConsoleSection.Traces, html.ToHtml()), StatusCodes.Status400BadRequest).ConfigureAwait(false);
    }

    /// <summary>GET <c>/console/traces/{id}</c>; <c>?raw=1</c> opens the raw documents.</summary>
    public async Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var given = context.Request.RouteValues["id"] as string ?? "";
        var id = TraceIdLookup.TryRead(given) ?? TraceIds.Normalize(given);
        var query = context.Request.Query;
        var showRaw = query["raw"] == "1";
        var html = new HtmlWriter();
        html.Append($"""
            <p class="crumbs"><a href="{ConsoleNavigation.Link("/console/traces", query)}" id="back-to-traces">Traces</a> / <span>{id}</span>
            <a class="crumb-aside" href="{ConsoleNavigation.Link("/console/map", query)}" id="to-service-map">Service map of this time range</a></p>
            """);
        var status = StatusCodes.Status200OK;
        if (!TraceIds.IsTraceId(id))
        {
            html.Raw(NotATraceId(given));
            status = StatusCodes.Status404NotFound;
        }
        else
        {
            try
            {
                var caller = session.CallerFor(context);
                ApiRequest.AuthorizeByIdentity(caller, ApiProtocol.XRay, Action, "*");
                var trace = (await _queries.ReadTracesAsync(caller, [id], context.RequestAborted).ConfigureAwait(false)).FirstOrDefault();
                if (trace is null)
                {
                    html.Append($"<section class=\"panel refused\" id=\"not-found\" role=\"alert\"><h1>No such trace in your account</h1><p>Account {session.Caller.AccountId} holds no data for trace <span class=\"id\">{id}</span>: it may be another account's, older than the retention period, or not sent yet.</p></section>");
                    status = StatusCodes.Status404NotFound;
                }
                else
                {
                    html.Raw(RenderTrace(trace, showRaw));
                }
            }
            catch (ApiException exception)
            {
                html.Append($"<h1>Trace {id}</h1>");
                html.Raw(ConsoleErrors.Render(exception));
                status = ConsoleErrors.Status(exception);
            }
        }

        await ConsoleResponses.WriteHtmlAsync(context, _layout.Render(session, "Trace " + id, ConsoleSection.Traces, html.ToHtml()), status).ConfigureAwait(false);
    }

    private static TrustedHtml NotATraceId(string text) => new HtmlWriter().Append($"""
        <section class="panel refused" id="not-a-trace-id" role="alert"><h1>Not a trace id</h1>
        <p><q class="id">{(text.Length > 80 ? text[..80] + "…" : text)}</q> is neither an X-Ray trace id (like <span class="id">1-5759e988-bd862e3fe1be46a994272793</span>)
        nor a W3C trace id (32 hex digits, like <span class="id">5759e988bd862e3fe1be46a994272793</span>).</p></section>
        """).ToHtml();

    private static TrustedHtml RenderTrace(AssembledTrace trace, bool showRaw)
    {
        var documents = ReadDocuments(trace);
        var html = new HtmlWriter();
        html.Append($"""
            <h1 class="trace-title">Trace <span class="id">{trace.Id}</span></h1>
            <dl class="facts">
            <div><dt>Started</dt><dd>{ConsoleFormat.Time(trace.StartTime)}</dd></div>
            <div><dt>Duration</dt><dd id="trace-duration">{ConsoleFormat.Duration(trace.Duration)}</dd></div>
            <div><dt>Response time</dt><dd>{ConsoleFormat.Duration(trace.ResponseTime)}</dd></div>
            <div><dt>Entry point</dt><dd>{trace.Root?.Service?.Id.Name}</dd></div>
            <div><dt>Segments</dt><dd>{ConsoleFormat.Count(trace.Entities.Count(e => e.Kind == TraceEntityKind.Segment))} segments, {ConsoleFormat.Count(trace.Entities.Count(e => e.Kind == TraceEntityKind.Subsegment))} subsegments</dd></div>
            <div><dt>Status</dt><dd>{Outcome(trace.HasFault, trace.HasError, trace.HasThrottle, trace.IsPartial)}</dd></div>
            </dl>
            """);
        if (trace.Orphans.Count > 0)
        {
            // As X-Ray shows them: each stands for the service inferred from it, and the trace is partial.
            html.Append($"<p class=\"notice\" id=\"orphans\">Partial trace: the parent segment of {ConsoleFormat.Count(trace.Orphans.Count)} subsegment(s) never arrived; each is shown as the service inferred from it:");
            foreach (var orphan in trace.Orphans)
            {
                html.Append($" <span class=\"orphan\" data-entity-id=\"{orphan.Id}\">{orphan.Name} → {orphan.Service?.Id.ToString()}</span>");
            }

            html.Append($"</p>");
        }

        var scale = Math.Max(trace.Duration, 0.000001);
        html.Append($"""
            <section class="timeline" id="timeline" aria-label="Timeline">
            <div class="row axis" aria-hidden="true"><span class="name">Name</span><span class="dur">Duration</span>
            <span class="ticks"><span>0</span><span>{ConsoleFormat.Duration(scale / 4)}</span><span>{ConsoleFormat.Duration(scale / 2)}</span><span>{ConsoleFormat.Duration(scale * 3 / 4)}</span><span>{ConsoleFormat.Duration(scale)}</span></span></div>
            """);
        // A tree, as the calls were made: each subsegment under its parent, each downstream segment under the subsegment that
        // called it (its parent_id). An entity is drawn once; what a loop of parent ids would hide is drawn at the top.
        var drawn = new HashSet<TraceEntity>(ReferenceEqualityComparer.Instance);
        foreach (var entity in trace.Entities.Where(e => e.Parent is null && e.Caller is null))
        {
            html.Raw(RenderTree(trace, entity, scale, documents, drawn));
        }

        foreach (var entity in trace.Entities)
        {
            if (!drawn.Contains(entity))
            {
                html.Raw(RenderTree(trace, entity, scale, documents, drawn));
            }
        }

        html.Append($"</section>");

        // The documents as they were sent and stored, independent subsegments on their own; BatchGetTraces returns them joined.
        html.Append($"<details class=\"raw\" id=\"raw-documents\"{(showRaw ? new TrustedHtml(" open") : TrustedHtml.Empty)}><summary>Raw segment documents, as stored ({trace.StoredDocuments.Count})</summary>");
        foreach (var segment in trace.StoredDocuments)
        {
            html.Append($"<h3 class=\"raw-id\">{segment.Id}</h3><pre class=\"json\"><code>{Indent(segment.Document)}</code></pre>");
        }

        html.Append($"</details>");
        return html.ToHtml();
    }

    /// <summary>
    /// An entity and everything under it: each a row (a <c>details</c> that opens the entity's details) followed, when it has
    /// children, by a <c>details</c> holding them, open, whose marker beside the row collapses them. Drawn with a stack, not
    /// recursion: a chain of calls may be as deep as the trace is long.
    /// </summary>
    private static TrustedHtml RenderTree(AssembledTrace trace, TraceEntity root, double scale, Dictionary<string, JsonElement> documents, HashSet<TraceEntity> drawn)
    {
        var html = new HtmlWriter();
        var pending = new Stack<(TraceEntity? Entity, int Depth)>();
        pending.Push((root, 0));
        while (pending.TryPop(out var next))
        {
            if (next.Entity is not { } entity)
            {
                html.Append($"</div></details></div>");
                continue;
            }

            if (!drawn.Add(entity))
            {
                continue;
            }

            var children = entity.Subsegments.Concat(entity.DownstreamSegments)
                .Where(c => !drawn.Contains(c))
                .OrderBy(c => c.StartTime)
                .ToList();
            html.Append($"<div class=\"node depth-{Math.Min(next.Depth, MaxDepthClass)}\" data-entity-id=\"{entity.Id}\">");
            html.Raw(RenderEntity(trace, entity, next.Depth, scale, documents));
            if (children.Count == 0)
            {
                html.Append($"</div>");
                continue;
            }

            var calls = children.Count == 1 ? "1 entry" : children.Count.ToString(CultureInfo.InvariantCulture) + " entries";
            html.Append($"<details class=\"calls\" open><summary class=\"twisty\" title=\"Collapse or expand the {calls} under {entity.Name}\"><span class=\"visually-hidden\">{calls} under {entity.Name}</span></summary><div class=\"children\">");
            pending.Push((null, next.Depth));
            for (var i = children.Count - 1; i >= 0; i--)
            {
                pending.Push((children[i], next.Depth + 1));
            }
        }

        return html.ToHtml();
    }

    private static TrustedHtml RenderEntity(AssembledTrace trace, TraceEntity entity, int depth, double scale, Dictionary<string, JsonElement> documents)
    {
        var document = documents.TryGetValue(entity.Id, out var found) ? found : default;
        var offset = Math.Max(0, entity.StartTime - trace.StartTime);
        var end = entity.EndTime ?? (trace.StartTime + scale);
        var x = Math.Clamp(offset / scale * BarUnits, 0, BarUnits);
        var width = Math.Clamp((end - entity.StartTime) / scale * BarUnits, 2, BarUnits - Math.Min(x, BarUnits - 2));
        var outcome = entity.Fault ? "fault" : entity.Throttle ? "throttle" : entity.Error ? "error" : entity.InProgress ? "progress" : "ok";
        var kind = entity.Kind == TraceEntityKind.Segment ? "segment" : "subsegment";
        var sql = Member(document, "sql");
        var aws = Member(document, "aws");
        var metadata = Member(document, "metadata");
        var span = metadata is { } m ? RenderSpan(m) : null;
        var cause = Member(document, "cause");

        // What the row opens, named on the row itself: the cue that there is more to see.
        var contents = new List<string>();
        if (entity.Http is not null) { contents.Add("HTTP"); }
        if (sql is not null) { contents.Add("SQL"); }
        if (aws is not null) { contents.Add("AWS"); }
        if (entity.Annotations.Count > 0) { contents.Add("annotations"); }
        if (span is not null) { contents.Add("span attributes"); }
        else if (metadata is not null) { contents.Add("metadata"); }
        if (entity.Exceptions.Count > 0) { contents.Add("exceptions"); }

        var html = new HtmlWriter();
        html.Append($"""
            <details class="span {kind} depth-{Math.Min(depth, MaxDepthClass)}" data-entity-id="{entity.Id}" data-name="{entity.Name}">
            <summary class="row" title="Show the details of {entity.Name}">
            <span class="name"><span class="opens" aria-hidden="true"></span><span class="kind-mark" title="{kind}"></span>{entity.Name}{Outcome(entity.Fault, entity.Error && !entity.Throttle, entity.Throttle, entity.InProgress)}{HttpStatus(entity)}<span class="cue">{(contents.Count == 0 ? "details" : string.Join(" · ", contents))}</span></span>
            <span class="dur">{ConsoleFormat.Duration(entity.ResponseTime)}</span>
            <svg class="bar" viewBox="0 0 {BarUnits} 10" preserveAspectRatio="none" role="img" aria-label="{ConsoleFormat.Duration(offset)} after the start, lasting {ConsoleFormat.Duration(entity.ResponseTime)}"><rect class="{outcome}" x="{x:0.##}" y="1" width="{width:0.##}" height="8" rx="1"></rect></svg>
            </summary>
            <div class="span-details">
            <dl class="facts">
            <div><dt>Kind</dt><dd>{kind}{(entity.Namespace is null ? "" : " (" + entity.Namespace + ")")}</dd></div>
            <div><dt>ID</dt><dd class="id">{entity.Id}</dd></div>
            <div><dt>Service</dt><dd>{entity.Service?.Id.ToString()}</dd></div>
            <div><dt>Starts at</dt><dd>+{ConsoleFormat.Duration(offset)}</dd></div>
            <div><dt>Duration</dt><dd>{ConsoleFormat.Duration(entity.ResponseTime)}</dd></div>
            """);
        if (entity.ParentId is not null)
        {
            html.Append($"<div><dt>{(entity.Kind == TraceEntityKind.Segment ? "Called by" : "Parent")}</dt><dd class=\"id\">{entity.ParentId}</dd></div>");
        }

        if (entity.Origin is not null)
        {
            html.Append($"<div><dt>Origin</dt><dd>{entity.Origin}</dd></div>");
        }

        if (entity.User is not null)
        {
            html.Append($"<div><dt>User</dt><dd>{entity.User}</dd></div>");
        }

        if (entity.Http is { } http)
        {
            html.Append($"""
                <div><dt>HTTP</dt><dd class="http">{http.HttpMethod} {http.HttpUrl} {(http.HttpStatus is { } code ? "→ " + code.ToString(CultureInfo.InvariantCulture) : "")}</dd></div>
                """);
            if (http.UserAgent is not null || http.ClientIp is not null)
            {
                html.Append($"<div><dt>Client</dt><dd>{http.ClientIp} {http.UserAgent}</dd></div>");
            }
        }

        html.Append($"</dl>");
        if (sql is { } sqlMembers)
        {
            html.Append($"<h4>SQL</h4>");
            html.Raw(KeyValues("sql", sqlMembers));
        }

        if (aws is { } awsMembers)
        {
            html.Append($"<h4>AWS</h4>");
            html.Raw(KeyValues("aws", awsMembers));
        }

        if (entity.Annotations.Count > 0)
        {
            html.Append($"<h4>Annotations</h4><table class=\"kv annotations\"><tbody>");
            foreach (var (key, value) in entity.Annotations)
            {
                html.Append($"<tr><th>{key}</th><td>{value.ToString()}</td></tr>");
            }

            html.Append($"</tbody></table>");
        }

        if (span is { } spanHtml)
        {
            html.Raw(spanHtml);
        }

        if (metadata is { } metadataJson)
        {
            html.Append($"<h4>Metadata</h4><pre class=\"json metadata\"><code>{Indent(metadataJson)}</code></pre>");
        }

        if (entity.Exceptions.Count > 0)
        {
            html.Raw(RenderExceptions(entity, cause));
        }

        html.Append($"</div></details>");
        return html.ToHtml();
    }

    /// <summary>The exceptions of an entity, each with its stack as the document gives it (<c>cause.exceptions[].stack</c>).</summary>
    private static TrustedHtml RenderExceptions(TraceEntity entity, JsonElement? cause)
    {
        var html = new HtmlWriter();
        html.Append($"<h4>Exceptions</h4><ul class=\"exceptions\">");
        var documented = cause is { } c && c.TryGetProperty("exceptions", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList()
            : [];
        for (var i = 0; i < entity.Exceptions.Count; i++)
        {
            var exception = entity.Exceptions[i];
            html.Append($"<li><strong>{exception.Name}</strong> {exception.Message}");
            if (i < documented.Count && documented[i].TryGetProperty("stack", out var stack) && stack.ValueKind == JsonValueKind.Array && stack.GetArrayLength() > 0)
            {
                html.Append($"<ol class=\"stack-frames\">");
                foreach (var frame in stack.EnumerateArray().Where(f => f.ValueKind == JsonValueKind.Object))
                {
                    html.Append($"<li><code>{Text(frame, "label")} {Text(frame, "path")}{(frame.TryGetProperty("line", out var line) && line.ValueKind == JsonValueKind.Number ? ":" + line.GetRawText() : "")}</code></li>");
                }

                html.Append($"</ol>");
            }

            html.Append($"</li>");
        }

        html.Append($"</ul>");
        return html.ToHtml();

        static string? Text(JsonElement owner, string name) =>
            owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static JsonElement? Member(JsonElement document, string name) =>
        document.ValueKind == JsonValueKind.Object && document.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : null;

    private static TrustedHtml Outcome(bool fault, bool error, bool throttle, bool inProgress)
    {
        var html = new HtmlWriter();
        if (fault)
        {
            html.Append($" <span class=\"badge fault\">fault</span>");
        }

        if (error)
        {
            html.Append($" <span class=\"badge error\">error</span>");
        }

        if (throttle)
        {
            html.Append($" <span class=\"badge throttle\">throttle</span>");
        }

        if (inProgress)
        {
            html.Append($" <span class=\"badge partial\">in progress</span>");
        }

        if (!fault && !error && !throttle && !inProgress)
        {
            html.Append($" <span class=\"badge ok\">ok</span>");
        }

        return html.ToHtml();
    }

    private static TrustedHtml HttpStatus(TraceEntity entity) => entity.Http?.HttpStatus is { } status
        ? new HtmlWriter().Append($" <span class=\"badge http\">{status}</span>").ToHtml()
        : TrustedHtml.Empty;

    /// <summary>The stored document of every segment and subsegment, by id: what the assembled entities do not keep (metadata, SQL, AWS, stacks).</summary>
    private static Dictionary<string, JsonElement> ReadDocuments(AssembledTrace trace)
    {
        var byId = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var segment in trace.StoredDocuments)
        {
            try
            {
                using var document = JsonDocument.Parse(segment.Document);
                Collect(document.RootElement.Clone(), byId);
            }
            catch (JsonException)
            {
                // A stored document the assembler skipped has nothing to show here either.
            }
        }

        return byId;

        static void Collect(JsonElement root, Dictionary<string, JsonElement> byId)
        {
            // A loop over a work list, not recursion: subsegments nest as deep as the assembler allows.
            var pending = new Stack<JsonElement>();
            pending.Push(root);
            while (pending.TryPop(out var entity))
            {
                if (entity.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                if (entity.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    byId.TryAdd(TraceIds.Normalize(id.GetString()!), entity);
                }

                if (entity.TryGetProperty("subsegments", out var children) && children.ValueKind == JsonValueKind.Array)
                {
                    foreach (var child in children.EnumerateArray())
                    {
                        pending.Push(child);
                    }
                }
            }
        }
    }

    /// <summary>The attributes and events of the OpenTelemetry span a segment came from, as OTLP ingest keeps them in
    /// <c>metadata.default</c> and <c>metadata.otel</c>; none for a segment sent as an X-Ray document.</summary>
    private static TrustedHtml? RenderSpan(JsonElement metadata)
    {
        if (!metadata.TryGetProperty(SpanSegmentWriter.ReservedNamespace, out var otel) || otel.ValueKind != JsonValueKind.Object
            || !otel.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var html = new HtmlWriter();
        html.Append($"<section class=\"otel-span\"><h4>OpenTelemetry span <span class=\"id\">{name.GetString()}</span></h4>");
        if (metadata.TryGetProperty("default", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
        {
            html.Append($"<h4>Span attributes</h4>");
            html.Raw(KeyValues("otel-attributes", attributes));
        }

        var start = Nanos(otel, "start_time_unix_nano");
        if (otel.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array && events.GetArrayLength() > 0)
        {
            html.Append($"<h4>Span events</h4><ol class=\"otel-events\">");
            foreach (var spanEvent in events.EnumerateArray())
            {
                if (spanEvent.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var eventName = spanEvent.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : "";
                var at = Nanos(spanEvent, "time_unix_nano");
                html.Append($"<li class=\"otel-event\"><span class=\"event-name\">{eventName}</span>");
                if (at is not null)
                {
                    html.Append($" <time>{ConsoleFormat.Time(at.Value / 1e9)}</time>");
                    if (start is not null)
                    {
                        html.Append($" <span class=\"offset\">(+{ConsoleFormat.Duration((at.Value - (double)start.Value) / 1e9)})</span>");
                    }
                }

                if (spanEvent.TryGetProperty("attributes", out var eventAttributes) && eventAttributes.ValueKind == JsonValueKind.Object)
                {
                    html.Raw(KeyValues("otel-event-attributes", eventAttributes));
                }

                html.Append($"</li>");
            }

            html.Append($"</ol>");
        }

        html.Append($"</section>");
        return html.ToHtml();

        static ulong? Nanos(JsonElement owner, string property) =>
            owner.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            && ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var nanos) ? nanos : null;
    }

    private static TrustedHtml KeyValues(string kind, JsonElement values)
    {
        var table = new HtmlWriter();
        table.Append($"<table class=\"kv {kind}\"><tbody>");
        foreach (var property in values.EnumerateObject())
        {
            var text = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
            table.Append($"<tr><th>{property.Name}</th><td>{text}</td></tr>");
        }

        table.Append($"</tbody></table>");
        return table.ToHtml();
    }

    private static string Indent(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Indent(document.RootElement);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    private static string Indent(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, IndentedJson))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
