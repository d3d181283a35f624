using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Graphs;
using Tracevault.Core.Traces.Json;
using Tracevault.Server.Http;
using Tracevault.Storage.Retrievals;

namespace Tracevault.Server.XRay.Retrievals;

/// <summary>X-Ray's <c>StartTraceRetrieval</c>, <c>ListRetrievedTraces</c>, <c>GetRetrievedTracesGraph</c> and <c>CancelTraceRetrieval</c>.</summary>
public sealed class TraceRetrievalApi
{
    /// <summary>The most traces one <c>ListRetrievedTraces</c> page holds (the model's <c>TraceSpanList</c>).</summary>
    public const int TracesPageSize = 5;

    /// <summary>The most spans one retrieved trace holds (the model's <c>SpanList</c>).</summary>
    public const int MaxSpans = 100;

    /// <summary>The most services one <c>GetRetrievedTracesGraph</c> page holds (the model's <c>RetrievedServicesList</c>).</summary>
    public const int ServicesPageSize = 1000;

    private const long MaxEpochSeconds = 253_402_300_799;

    private readonly TraceRetrievalService _retrievals;

    /// <summary>Creates the API.</summary>
    public TraceRetrievalApi(TraceRetrievalService retrievals) => _retrievals = retrievals;

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "StartTraceRetrieval", StartAsync)
        .Map(ApiProtocol.XRay, "ListRetrievedTraces", ListAsync)
        .Map(ApiProtocol.XRay, "GetRetrievedTracesGraph", GraphAsync)
        .Map(ApiProtocol.XRay, "CancelTraceRetrieval", CancelAsync);

    private async Task StartAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        var ids = ReadTraceIds(root);
        var start = ReadTime(root, "StartTime");
        var end = ReadTime(root, "EndTime");
        if (end < start)
        {
            throw Invalid("EndTime must not be earlier than StartTime (the range is inclusive at both ends).");
        }

        var token = await _retrievals.StartAsync(request.Caller, ids, start, end, request.Http.RequestAborted).ConfigureAwait(false);
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("RetrievalToken", token);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task ListAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        var token = ReadToken(root);
        var format = root.TryGetProperty("TraceFormat", out var formatElement) && formatElement.ValueKind != JsonValueKind.Null
            ? formatElement.ValueKind == JsonValueKind.String && formatElement.GetString() is "XRAY" or "OTEL" ? formatElement.GetString()! : throw Invalid("TraceFormat must be XRAY or OTEL.")
            : "XRAY";
        var offset = ReadNextToken(root, token, format);
        var retrieval = await _retrievals.FindAsync(request.Caller, token, request.Http.RequestAborted).ConfigureAwait(false);
        List<AssembledTrace> page = [];
        string? next = null;
        if (retrieval.Status == RetrievalStatus.Complete)
        {
            var traces = await _retrievals.ReadTracesAsync(request.Caller, retrieval, request.Http.RequestAborted).ConfigureAwait(false);
            page = traces.Skip(offset).Take(TracesPageSize).ToList();
            next = offset + page.Count < traces.Count ? WriteNextToken(offset + page.Count, token, format) : null;
        }

        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("RetrievalStatus", RetrievalStatusNames.Of(retrieval.Status));
            writer.WriteString("TraceFormat", format);
            writer.WriteStartArray("Traces");
            foreach (var trace in page)
            {
                writer.WriteStartObject();
                writer.WriteString("Id", trace.Id);
                writer.WriteNumber("Duration", trace.Duration);
                writer.WriteStartArray("Spans");
                if (format == "OTEL")
                {
                    foreach (var (id, document) in OtelSpanDocuments.Write(trace.StoredDocuments).Take(MaxSpans))
                    {
                        writer.WriteStartObject();
                        writer.WriteString("Id", id);
                        writer.WriteString("Document", document);
                        writer.WriteEndObject();
                    }
                }
                else
                {
                    foreach (var segment in trace.Segments.Take(MaxSpans))
                    {
                        writer.WriteStartObject();
                        writer.WriteString("Id", segment.Id);
                        writer.WriteString("Document"u8, segment.Utf8Document.Span);
                        writer.WriteEndObject();
                    }
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (next is not null)
            {
                writer.WriteString("NextToken", next);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task GraphAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        var token = ReadToken(root);
        var offset = ReadNextToken(root, token, "GRAPH");
        var retrieval = await _retrievals.FindAsync(request.Caller, token, request.Http.RequestAborted).ConfigureAwait(false);
        List<ServiceGraphNode> services = [];
        Dictionary<string, List<(string Source, List<string> Destinations)>> links = [];
        string? next = null;
        if (retrieval.Status == RetrievalStatus.Complete)
        {
            var traces = await _retrievals.ReadTracesAsync(request.Caller, retrieval, request.Http.RequestAborted).ConfigureAwait(false);
            var all = ServiceGraph.Build(traces);
            services = all.Skip(offset).Take(ServicesPageSize).ToList();
            next = offset + services.Count < all.Count ? WriteNextToken(offset + services.Count, token, "GRAPH") : null;
            links = RetrievedLinks.ByService(traces);
        }

        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("RetrievalStatus", RetrievalStatusNames.Of(retrieval.Status));
            writer.WriteStartArray("Services");
            foreach (var service in services)
            {
                writer.WriteStartObject();
                writer.WritePropertyName("Service");
                ServiceGraphJsonWriter.WriteService(writer, service);
                writer.WriteStartArray("Links");
                foreach (var (source, destinations) in links.GetValueOrDefault(service.Service.Name) ?? [])
                {
                    writer.WriteStartObject();
                    writer.WriteString("ReferenceType", "link");
                    writer.WriteString("SourceTraceId", source);
                    writer.WriteStartArray("DestinationTraceIds");
                    foreach (var destination in destinations)
                    {
                        writer.WriteStringValue(destination);
                    }

                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            if (next is not null)
            {
                writer.WriteString("NextToken", next);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task CancelAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var token = ReadToken(body.RootElement);
        var status = await _retrievals.CancelAsync(request.Caller, token, request.Http.RequestAborted).ConfigureAwait(false);
        if (status is not (RetrievalStatus.Cancelled))
        {
            // X-Ray cancels an ongoing retrieval: one already ended cannot be.
            throw Invalid($"The trace retrieval is {RetrievalStatusNames.Of(status)}: only a SCHEDULED or RUNNING retrieval can be cancelled.");
        }

        await ApiResponses.WriteEmptyAsync(request).ConfigureAwait(false);
    }

    private static List<string> ReadTraceIds(JsonElement root)
    {
        if (!root.TryGetProperty("TraceIds", out var element) || element.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("TraceIds is required and must be a list.");
        }

        var ids = new List<string>();
        foreach (var id in element.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: >= 1 and <= 35 } text)
            {
                throw Invalid("Each trace id must be a string of 1 to 35 characters.");
            }

            // Trace ids are stored in lowercase; X-Ray's are hex, so case does not distinguish them.
            ids.Add(text.ToLowerInvariant());
        }

        if (ids.Count == 0 || ids.Count > TraceRetrievalService.MaxTraceIds)
        {
            throw Invalid($"TraceIds must name 1 to {TraceRetrievalService.MaxTraceIds} trace ids, not {ids.Count}.");
        }

        return ids.Distinct(StringComparer.Ordinal).ToList();
    }

    private static double ReadTime(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.Number
            || !element.TryGetDouble(out var seconds) || !(seconds >= 0 && seconds <= MaxEpochSeconds))
        {
            throw Invalid(string.Create(CultureInfo.InvariantCulture, $"{name} is required, as epoch seconds from 0 to {MaxEpochSeconds}."));
        }

        return seconds;
    }

    private static string ReadToken(JsonElement root)
    {
        if (!root.TryGetProperty("RetrievalToken", out var element) || element.ValueKind != JsonValueKind.String)
        {
            throw Invalid("RetrievalToken is required.");
        }

        var token = element.GetString()!;
        if (token.Length > 1020)
        {
            throw Invalid("RetrievalToken is at most 1020 characters.");
        }

        // A token is 64 lowercase hex digits: anything else was never given out.
        if (token.Length != 64 || !token.All(char.IsAsciiHexDigitLower))
        {
            throw Invalid("The RetrievalToken is not one StartTraceRetrieval gives.");
        }

        return token;
    }

    private static int ReadNextToken(JsonElement root, string token, string use)
    {
        if (!root.TryGetProperty("NextToken", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        try
        {
            var text = element.ValueKind == JsonValueKind.String ? Encoding.UTF8.GetString(Base64Url.DecodeFromChars(element.GetString())) : "";
            var separator = text.IndexOf('|', StringComparison.Ordinal);
            if (separator > 0 && text[(separator + 1)..] == Binding(token, use)
                && int.TryParse(text.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                return offset;
            }
        }
        catch (FormatException)
        {
        }

        throw Invalid("The NextToken is not valid for this request: send it with the same RetrievalToken (and TraceFormat) as the call that gave it.");
    }

    private static string WriteNextToken(int offset, string token, string use) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{offset}|{Binding(token, use)}")));

    private static string Binding(string token, string use) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token + "|" + use)))[..16];

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);
}
