using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tracevault.Core.Insights;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Graphs;
using Tracevault.Keys.Envelope;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Groups;
using Tracevault.Storage.Insights;

namespace Tracevault.Server.XRay.Insights;

/// <summary>X-Ray's <c>GetInsightSummaries</c>, <c>GetInsight</c>, <c>GetInsightEvents</c> and <c>GetInsightImpactGraph</c>.</summary>
/// <remarks>
/// Each is authorized on the insight's group ARN (<c>xray:GetInsight…</c>); what is sealed is opened with the caller's own right
/// to the account's data keys, as traces are, so a caller without <c>kms:Decrypt</c> on a customer key reads no insight either.
/// </remarks>
public sealed partial class InsightApi(IInsightRepository insights, InsightSealer sealer, GroupService groups, TimeProvider time)
{
    /// <summary>The most insights one <c>GetInsightSummaries</c> page holds (the model's maximum).</summary>
    public const int MaxSummaries = 100;

    /// <summary>The most events one <c>GetInsightEvents</c> page holds (the model's maximum).</summary>
    public const int MaxEvents = 50;

    /// <summary>The longest range <c>GetInsightImpactGraph</c> takes: six hours, as X-Ray.</summary>
    public static readonly TimeSpan MaxImpactGraphRange = TimeSpan.FromHours(6);

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "GetInsightSummaries", GetInsightSummariesAsync)
        .Map(ApiProtocol.XRay, "GetInsight", GetInsightAsync)
        .Map(ApiProtocol.XRay, "GetInsightEvents", GetInsightEventsAsync)
        .Map(ApiProtocol.XRay, "GetInsightImpactGraph", GetInsightImpactGraphAsync);

    private async Task GetInsightSummariesAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var (name, arn) = GroupApi.ReadGroupReference(root);
        if (name is null && arn is null)
        {
            throw Invalid("GroupName or GroupARN is required.");
        }

        var account = request.Caller.AccountId;
        var group = groups.Find(account, name, arn);
        request.AuthorizeByIdentity(groups.ResourceFor(account, name, arn, group));
        if (group is null)
        {
            throw GroupService.NotFound();
        }

        var (start, end) = ReadRange(root);
        bool? active = null;
        if (root.TryGetProperty("States", out var states) && states.ValueKind != JsonValueKind.Null)
        {
            if (states.ValueKind != JsonValueKind.Array || states.GetArrayLength() > 1)
            {
                throw Invalid("States must be a list of at most one state, ACTIVE or CLOSED.");
            }

            foreach (var state in states.EnumerateArray())
            {
                active = (state.ValueKind == JsonValueKind.String ? state.GetString() : null) switch
                {
                    "ACTIVE" => true,
                    "CLOSED" => false,
                    _ => throw Invalid("States must be a list of at most one state, ACTIVE or CLOSED."),
                };
            }
        }

        var max = ReadMaxResults(root, MaxSummaries);
        var offset = ReadOffset(root);
        var groupArn = groups.Arn(group);
        var found = await insights.ListInsightsAsync(account, groupArn, active, (long)Math.Floor(start), (long)Math.Ceiling(end), request.Http.RequestAborted).ConfigureAwait(false);
        var page = found.Skip(offset).Take(max).ToList();
        var opened = Guard(() => page.Select(i => sealer.Open(i, request.Caller)).ToList());
        var next = offset + page.Count < found.Count ? WriteOffset(offset + page.Count) : null;
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("InsightSummaries");
            foreach (var insight in opened)
            {
                writer.WriteStartObject();
                WriteInsight(writer, insight, groupArn, group.Name);
                writer.WriteNumber("LastUpdateTime", insight.LastUpdateTime);
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

    private async Task GetInsightAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var stored = await FindAuthorizedAsync(request, body.RootElement).ConfigureAwait(false);
        var insight = Guard(() => sealer.Open(stored, request.Caller));
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("Insight");
            WriteInsight(writer, insight, stored.GroupArn, GroupNameOf(stored.GroupArn));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task GetInsightEventsAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var stored = await FindAuthorizedAsync(request, root).ConfigureAwait(false);
        var max = ReadMaxResults(root, MaxEvents);
        var offset = ReadOffset(root);
        var all = await insights.ListEventsAsync(stored.AccountId, stored.InsightId, request.Http.RequestAborted).ConfigureAwait(false);
        var page = all.Skip(offset).Take(max).ToList();
        var events = Guard(() => page.Select(e => sealer.Open(e, request.Caller)).ToList());
        var next = offset + page.Count < all.Count ? WriteOffset(offset + page.Count) : null;
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("InsightEvents");
            foreach (var insightEvent in events)
            {
                writer.WriteStartObject();
                writer.WriteString("Summary", insightEvent.Summary);
                writer.WriteNumber("EventTime", insightEvent.EventTime);
                WriteImpact(writer, "ClientRequestImpactStatistics", insightEvent.ClientImpact);
                WriteImpact(writer, "RootCauseServiceRequestImpactStatistics", insightEvent.RootCauseImpact);
                WriteAnomalous(writer, insightEvent.TopAnomalousServices);
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

    private async Task GetInsightImpactGraphAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        var stored = await FindAuthorizedAsync(request, root).ConfigureAwait(false);
        var (start, end) = ReadRange(root);
        if (end - start > MaxImpactGraphRange.TotalSeconds)
        {
            throw Invalid("The time range between StartTime and EndTime can't be more than six hours.");
        }

        if (root.TryGetProperty("NextToken", out var token) && token.ValueKind != JsonValueKind.Null)
        {
            // The whole graph always fits one answer: no answer carries a NextToken to send back.
            throw Invalid("The NextToken is not valid: GetInsightImpactGraph answers the whole graph at once.");
        }

        // The minutes of the insight inside the range asked for: the graph of the faulted traces in them.
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var from = Math.Max((long)Math.Floor(start), stored.StartTime);
        var to = Math.Min((long)Math.Ceiling(end), stored.EndTime ?? now);
        var minutes = from < to
            ? await insights.ListMinutesAsync(stored.AccountId, stored.GroupArn, (from / 60) * 60, to - 1, request.Http.RequestAborted).ConfigureAwait(false)
            : [];
        var opened = Guard(() => minutes.Select(m => sealer.Open(m, request.Caller)).ToList());
        var graph = InsightMinute.Merge(opened.Select(m => m.FaultGraph));
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("InsightId", stored.InsightId);
            writer.WriteNumber("StartTime", start);
            writer.WriteNumber("EndTime", end);
            if (opened.Count > 0)
            {
                writer.WriteNumber("ServiceGraphStartTime", opened[0].Minute);
                writer.WriteNumber("ServiceGraphEndTime", opened[^1].Minute + 60);
            }

            writer.WriteStartArray("Services");
            for (var i = 0; i < graph.Count; i++)
            {
                var node = graph[i];
                writer.WriteStartObject();
                writer.WriteNumber("ReferenceId", i);
                if (node.Service.Equals(ServiceGraph.ClientId))
                {
                    writer.WriteString("Type", "client");
                }
                else
                {
                    WriteOptional(writer, "Type", node.Service.Type);
                    writer.WriteString("Name", node.Service.Name);
                    WriteNames(writer, node.Service);
                    WriteOptional(writer, "AccountId", node.Service.AccountId);
                }

                writer.WriteStartArray("Edges");
                foreach (var callee in node.Callees)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("ReferenceId", callee);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>The insight the request names, once the caller may read its group's insights.</summary>
    private async Task<StoredInsight> FindAuthorizedAsync(ApiRequest request, JsonElement root)
    {
        if (!root.TryGetProperty("InsightId", out var element) || element.ValueKind != JsonValueKind.String || element.GetString() is not { } id)
        {
            throw Invalid("InsightId is required.");
        }

        if (!InsightIdPattern().IsMatch(id))
        {
            throw Invalid($"InsightId '{id}' is not a valid insight id (a UUID).");
        }

        var stored = await insights.FindInsightAsync(request.Caller.AccountId, id.ToLowerInvariant(), request.Http.RequestAborted).ConfigureAwait(false);
        if (stored is null)
        {
            // Nothing to name but the account's groups: a caller who may read no insight learns nothing of which ids exist.
            request.AuthorizeByIdentity();
            throw Invalid($"Insight {id} not found.");
        }

        request.AuthorizeByIdentity(stored.GroupArn);
        return stored;
    }

    private static void WriteInsight(Utf8JsonWriter writer, InsightState insight, string groupArn, string groupName)
    {
        writer.WriteString("InsightId", insight.InsightId);
        writer.WriteString("GroupARN", groupArn);
        writer.WriteString("GroupName", groupName);
        if (insight.RootCause is { } rootCause)
        {
            writer.WritePropertyName("RootCauseServiceId");
            WriteServiceId(writer, rootCause);
        }

        writer.WriteStartArray("Categories");
        writer.WriteStringValue("FAULT");
        writer.WriteEndArray();
        writer.WriteString("State", insight.State);
        writer.WriteNumber("StartTime", insight.StartTime);
        if (insight.EndTime is { } endTime)
        {
            writer.WriteNumber("EndTime", endTime);
        }

        writer.WriteString("Summary", insight.Summary);
        WriteImpact(writer, "ClientRequestImpactStatistics", insight.ClientImpact);
        WriteImpact(writer, "RootCauseServiceRequestImpactStatistics", insight.RootCauseImpact);
        WriteAnomalous(writer, insight.TopAnomalousServices);
    }

    private static void WriteImpact(Utf8JsonWriter writer, string name, RequestImpact impact)
    {
        writer.WriteStartObject(name);
        writer.WriteNumber("FaultCount", impact.FaultCount);
        writer.WriteNumber("OkCount", impact.OkCount);
        writer.WriteNumber("TotalCount", impact.TotalCount);
        writer.WriteEndObject();
    }

    private static void WriteAnomalous(Utf8JsonWriter writer, IReadOnlyList<ServiceId> services)
    {
        writer.WriteStartArray("TopAnomalousServices");
        foreach (var service in services)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("ServiceId");
            WriteServiceId(writer, service);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteServiceId(Utf8JsonWriter writer, ServiceId service)
    {
        writer.WriteStartObject();
        writer.WriteString("Name", service.Name);
        WriteNames(writer, service);
        WriteOptional(writer, "AccountId", service.AccountId);
        WriteOptional(writer, "Type", service.Type);
        writer.WriteEndObject();
    }

    private static void WriteNames(Utf8JsonWriter writer, ServiceId service)
    {
        writer.WriteStartArray("Names");
        foreach (var name in service.Names)
        {
            writer.WriteStringValue(name);
        }

        writer.WriteEndArray();
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>The group's name in its ARN (<c>…:group/NAME/ID</c>, or <c>…:group/Default</c>).</summary>
    private static string GroupNameOf(string groupArn)
    {
        var resource = groupArn[(groupArn.IndexOf(":group/", StringComparison.Ordinal) + ":group/".Length)..];
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? resource : resource[..slash];
    }

    private static (double Start, double End) ReadRange(JsonElement root)
    {
        if (!root.TryGetProperty("StartTime", out var startElement) || !startElement.TryGetDouble(out var start)
            || !root.TryGetProperty("EndTime", out var endElement) || !endElement.TryGetDouble(out var end)
            || startElement.ValueKind != JsonValueKind.Number || endElement.ValueKind != JsonValueKind.Number)
        {
            throw Invalid("StartTime and EndTime are required, as epoch seconds.");
        }

        if (!(start >= 0) || !(end >= 0) || end <= start)
        {
            throw Invalid("EndTime must be later than StartTime, both epoch seconds.");
        }

        return (start, end);
    }

    private static int ReadMaxResults(JsonElement root, int max)
    {
        if (!root.TryGetProperty("MaxResults", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return max;
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) && value >= 1 && value <= max
            ? value
            : throw Invalid(string.Create(CultureInfo.InvariantCulture, $"MaxResults must be a whole number from 1 to {max}."));
    }

    private static int ReadOffset(JsonElement root)
    {
        if (!root.TryGetProperty("NextToken", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        var text = element.ValueKind == JsonValueKind.String ? element.GetString()! : "";
        return text.StartsWith("insights:", StringComparison.Ordinal)
            && int.TryParse(text.AsSpan("insights:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : throw Invalid("The NextToken is not valid.");
    }

    private static string WriteOffset(int offset) => string.Create(CultureInfo.InvariantCulture, $"insights:{offset}");

    private static T Guard<T>(Func<T> open)
    {
        try
        {
            return open();
        }
        catch (DataKeyAccessException exception)
        {
            throw exception.AccessDenied
                ? new ApiException("AccessDeniedException", exception.Message, 403)
                : new ApiException("InvalidRequestException", exception.Message);
        }
    }

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);

    [GeneratedRegex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$")]
    private static partial Regex InsightIdPattern();
}
