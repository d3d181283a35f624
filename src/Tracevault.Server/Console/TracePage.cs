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

    /// <summary>GET <c>/console/traces/{id}</c>; <c>?raw=1</c> opens the raw documents.</summary>
    public async Task ShowAsync(HttpContext context, ConsoleSession session)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(session);
        var id = TraceIds.Normalize(context.Request.RouteValues["id"] as string ?? "");
        var showRaw = context.Request.Query["raw"] == "1";
        var html = new HtmlWriter();
        html.Append($"<p class=\"crumbs\"><a href=\"/console/traces\">Traces</a> / <span>{id}</span></p>");
        var status = StatusCodes.Status200OK;
        if (!TraceIds.IsTraceId(id))
        {
            html.Append($"<section class=\"panel refused\" id=\"not-found\"><h1>Not a trace id</h1><p>A trace id looks like 1-5759e988-bd862e3fe1be46a994272793.</p></section>");
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
                    html.Append($"<section class=\"panel refused\" id=\"not-found\"><h1>Trace not found</h1><p>No data is stored for trace {id}; it may be older than the retention period.</p></section>");
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

    private static TrustedHtml RenderTrace(AssembledTrace trace, bool showRaw)
    {
        var spans = new Dictionary<string, TrustedHtml>(StringComparer.Ordinal);
        var metadata = ReadMetadata(trace, spans);
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
        foreach (var entity in trace.Entities)
        {
            html.Raw(RenderEntity(trace, entity, scale, metadata, spans));
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

    private static TrustedHtml RenderEntity(AssembledTrace trace, TraceEntity entity, double scale, Dictionary<string, string> metadata, Dictionary<string, TrustedHtml> spans)
    {
        var depth = 0;
        for (var parent = entity.Parent; parent is not null; parent = parent.Parent)
        {
            depth++;
        }

        var offset = Math.Max(0, entity.StartTime - trace.StartTime);
        var end = entity.EndTime ?? (trace.StartTime + scale);
        var x = Math.Clamp(offset / scale * BarUnits, 0, BarUnits);
        var width = Math.Clamp((end - entity.StartTime) / scale * BarUnits, 2, BarUnits - Math.Min(x, BarUnits - 2));
        var outcome = entity.Fault ? "fault" : entity.Throttle ? "throttle" : entity.Error ? "error" : entity.InProgress ? "progress" : "ok";
        var kind = entity.Kind == TraceEntityKind.Segment ? "segment" : "subsegment";

        var html = new HtmlWriter();
        html.Append($"""
            <details class="span {kind} depth-{Math.Min(depth, MaxDepthClass)}" data-entity-id="{entity.Id}" data-name="{entity.Name}">
            <summary class="row">
            <span class="name"><span class="kind-mark" title="{kind}"></span>{entity.Name}{Outcome(entity.Fault, entity.Error && !entity.Throttle, entity.Throttle, entity.InProgress)}{HttpStatus(entity)}</span>
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
        if (entity.Annotations.Count > 0)
        {
            html.Append($"<h4>Annotations</h4><table class=\"kv annotations\"><tbody>");
            foreach (var (key, value) in entity.Annotations)
            {
                html.Append($"<tr><th>{key}</th><td>{value.ToString()}</td></tr>");
            }

            html.Append($"</tbody></table>");
        }

        if (spans.TryGetValue(entity.Id, out var span))
        {
            html.Raw(span);
        }

        if (metadata.TryGetValue(entity.Id, out var metadataJson))
        {
            html.Append($"<h4>Metadata</h4><pre class=\"json metadata\"><code>{metadataJson}</code></pre>");
        }

        if (entity.Exceptions.Count > 0)
        {
            html.Append($"<h4>Exceptions</h4><ul class=\"exceptions\">");
            foreach (var exception in entity.Exceptions)
            {
                html.Append($"<li><strong>{exception.Name}</strong> {exception.Message}</li>");
            }

            html.Append($"</ul>");
        }

        html.Append($"</div></details>");
        return html.ToHtml();
    }

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

    /// <summary>The <c>metadata</c> object of every segment and subsegment, by id, as indented JSON; the assembled entities do not keep it.
    /// For those that came from OpenTelemetry spans, <paramref name="spans"/> gets their attributes and events as HTML.</summary>
    private static Dictionary<string, string> ReadMetadata(AssembledTrace trace, Dictionary<string, TrustedHtml> spans)
    {
        var byId = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var segment in trace.StoredDocuments)
        {
            try
            {
                using var document = JsonDocument.Parse(segment.Document);
                Collect(document.RootElement, byId, spans);
            }
            catch (JsonException)
            {
                // A stored document the assembler skipped has nothing to show here either.
            }
        }

        return byId;

        static void Collect(JsonElement entity, Dictionary<string, string> byId, Dictionary<string, TrustedHtml> spans)
        {
            if (entity.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            if (entity.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                && entity.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
            {
                byId[TraceIds.Normalize(id.GetString()!)] = Indent(metadata);
                if (RenderSpan(metadata) is { } span)
                {
                    spans[TraceIds.Normalize(id.GetString()!)] = span;
                }
            }

            if (entity.TryGetProperty("subsegments", out var children) && children.ValueKind == JsonValueKind.Array)
            {
                foreach (var child in children.EnumerateArray())
                {
                    Collect(child, byId, spans);
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

        static TrustedHtml KeyValues(string kind, JsonElement values)
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
