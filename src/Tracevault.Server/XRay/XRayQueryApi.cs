using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tracevault.Core.Identity;
using Tracevault.Core.Indexing;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;
using Tracevault.Core.Traces.Graphs;
using Tracevault.Core.Traces.Json;
using Tracevault.Keys.Envelope;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Groups;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>X-Ray's read side: <c>BatchGetTraces</c>, <c>GetTraceSummaries</c>, <c>GetServiceGraph</c>, <c>GetTraceGraph</c>.</summary>
public sealed class XRayQueryApi
{
    /// <summary>The most trace summaries one page holds.</summary>
    public const int SummariesPageSize = 100;

    /// <summary>The most traces one <c>GetTraceSummaries</c> call processes before it answers what it has and a <c>NextToken</c>.</summary>
    public const int SummariesScanLimit = 5_000;

    /// <summary>The <c>GetTraceSummaries</c> response header that counts the traces left out because their key could not be used.</summary>
    public const string UnreadableTracesHeader = "X-Tracevault-Unreadable-Traces";

    /// <summary>The <c>GetTraceSummaries</c> response header that names those keys, each with <c>(AccessDenied)</c> or <c>(KeyUnusable)</c>.</summary>
    public const string UnreadableKeysHeader = "X-Tracevault-Unreadable-Keys";

    private const int MaxBatchTraceIds = 5;

    /// <summary>The last second a <see cref="DateTimeOffset"/> holds, 9999-12-31T23:59:59Z, as epoch seconds.</summary>
    private const long MaxEpochSeconds = 253_402_300_799;

    /// <summary>How many traces a page assembles at a time (extended to a whole second), enough to keep every core busy.</summary>
    private const int AssemblySlice = 64;

    private readonly TraceReader _reader;
    private readonly TimeProvider _time;
    private readonly GroupService _groups;

    /// <summary>Creates the API.</summary>
    public XRayQueryApi(TraceReader reader, TimeProvider time, GroupService groups)
    {
        _reader = reader;
        _time = time;
        _groups = groups;
    }

    /// <summary>Registers the operations.</summary>
    public void Map(ApiRouter router) => router
        .Map(ApiProtocol.XRay, "BatchGetTraces", BatchGetTracesAsync)
        .Map(ApiProtocol.XRay, "GetTraceSummaries", GetTraceSummariesAsync)
        .Map(ApiProtocol.XRay, "GetServiceGraph", GetServiceGraphAsync)
        .Map(ApiProtocol.XRay, "GetTraceGraph", GetTraceGraphAsync);

    /// <summary>Looks up the groups a filter expression of <paramref name="accountId"/> names (<c>group.name</c>, <c>group.arn</c>).</summary>
    public FilterGroupResolver GroupsOf(string accountId) => _groups.ResolverFor(accountId);

    /// <summary>Reads whole traces by id for a caller, assembled; the ids with no data are left out.</summary>
    public Task<List<AssembledTrace>> ReadTracesAsync(Caller caller, IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => ReadTracesAsync(caller, traceIds, new ReadDamage(), cancellationToken);

    /// <summary>Reads whole traces by id for a caller, assembled; the ids with no data, or lost in a damaged chunk (named in <paramref name="damage"/>), are left out.</summary>
    public async Task<List<AssembledTrace>> ReadTracesAsync(Caller caller, IReadOnlyCollection<string> traceIds, ReadDamage damage, CancellationToken cancellationToken)
    {
        var segments = await GuardAsync(() => _reader.ReadTracesAsync(caller.AccountId, traceIds, caller, damage, cancellationToken)).ConfigureAwait(false);
        return traceIds.Distinct(StringComparer.Ordinal)
            .Where(segments.ContainsKey)
            .Select(id => Assemble(id, segments[id]))
            .ToList();
    }

    /// <summary>Finds the summaries of the traces in a time range that match a filter, newest first; what cannot be read goes to <paramref name="damage"/>.</summary>
    public async Task<(List<TraceSummary> Matches, int Processed)> FindSummariesAsync(Caller caller, double startTime, double endTime, string timeRangeType, FilterExpression? filter, ReadDamage damage, CancellationToken cancellationToken)
    {
        var from = (long)Math.Floor(startTime);
        var to = (long)Math.Ceiling(endTime);
        var byTrace = await GuardAsync(() => _reader.ReadRangeAsync(caller.AccountId, from, to, caller, damage, cancellationToken)).ConfigureAwait(false);
        // Assembling a trace parses every document of it: spread the traces over the cores.
        var inRange = byTrace.Where(t => InRange(t.Key, t.Value, startTime, endTime, timeRangeType) && HasSummary(t.Value)).ToList();
        var matches = inRange
            .AsParallel()
            .Select(t => Assemble(t.Key, t.Value))
            .Where(trace => filter is null || filter.Matches(trace))
            .Select(TraceSummary.From)
            .ToList();
        var processed = inRange.Count;

        matches.Sort(SummaryCursor.NewestFirst);
        return (matches, processed);
    }

    /// <summary>
    /// One page of the summaries of the traces dated in <c>[startTime, endTime)</c> that match a filter, newest first, after
    /// <paramref name="after"/>: reads chunks newest first and stops once the page is full, so a page costs what it shows — or,
    /// as X-Ray does, once it has processed <paramref name="maxProcessed"/> traces, answering the matches so far (perhaps none)
    /// and where to go on, so a filter that matches little never makes one request scan the whole range.
    /// </summary>
    public async Task<SummaryPage> FindSummariesPageAsync(Caller caller, double startTime, double endTime, FilterExpression? filter, SummaryCursor? after, int pageSize, int maxProcessed, CancellationToken cancellationToken)
    {
        var to = after is null ? (long)Math.Ceiling(endTime) : Math.Min((long)Math.Ceiling(endTime), after.TraceTime + 1);
        var matches = new List<TraceSummary>();
        var processed = 0;
        var processedThrough = 0L;
        var damage = new ReadDamage();
        var batches = await GuardAsync(() => _reader.ReadNewestFirstAsync(caller.AccountId, (long)Math.Floor(startTime), to, caller, damage, cancellationToken)).ConfigureAwait(false);
        await foreach (var batch in batches.ConfigureAwait(false))
        {
            // Newest trace date first (TraceDates), a slice of whole seconds at a time: the answer's order within a second needs every
            // trace of it, and once the page is full after a slice, every trace not yet assembled comes later in the order.
            var candidates = batch
                .Select(t => (Trace: t, Time: t.Date))
                .Where(t => t.Time >= startTime && t.Time < endTime && (after is null || after.Admits(t.Time)) && HasSummary(t.Trace.Segments))
                .OrderByDescending(t => t.Time)
                .ToList();
            for (var at = 0; at < candidates.Count && matches.Count <= pageSize;)
            {
                if (processed >= maxProcessed)
                {
                    // Every trace dated in or after the last second processed is done (whole seconds at a time): go on from there.
                    return new SummaryPage(Sorted(matches), processed, SummaryCursor.Before(processedThrough)) { Damaged = damage.Traces, Unreadable = damage.UnreadableKeys };
                }

                var end = Math.Min(candidates.Count, at + Math.Min(AssemblySlice, maxProcessed - processed));
                while (end < candidates.Count && candidates[end].Time == candidates[end - 1].Time)
                {
                    end++;
                }

                matches.AddRange(candidates[at..end]
                    .AsParallel()
                    .Select(t => Assemble(t.Trace.TraceId, t.Trace.Segments))
                    .Where(trace => filter is null || filter.Matches(trace))
                    .Select(TraceSummary.From)
                    .Where(summary => after is null || SummaryCursor.From(summary).IsAfter(after)));
                processed += end - at;
                processedThrough = candidates[end - 1].Time;
                at = end;
            }

            // Traces still unread are all dated earlier than every trace read so far: once the page is full, it is final.
            if (matches.Count > pageSize)
            {
                break;
            }
        }

        var page = Sorted(matches).Take(pageSize).ToList();
        var next = matches.Count > pageSize ? SummaryCursor.From(page[^1]) : null;
        return new SummaryPage(page, processed, next) { Damaged = damage.Traces, Unreadable = damage.UnreadableKeys };

        static List<TraceSummary> Sorted(List<TraceSummary> summaries)
        {
            summaries.Sort(SummaryCursor.NewestFirst);
            return summaries;
        }
    }

    /// <summary>Whether a trace gets a trace summary: unless every one of its segments is an OpenTelemetry span of a trace the account's indexing rule left out (<see cref="TraceIndexing"/>).</summary>
    public static bool HasSummary(IEnumerable<ChunkSegment> segments) => segments.Any(s => !TraceIndexing.IsMarkedUnindexed(s.Document.Span));

    /// <summary>Builds the service graph of the traces with data in a time range.</summary>
    public Task<IReadOnlyList<ServiceGraphNode>> BuildServiceGraphAsync(Caller caller, double startTime, double endTime, CancellationToken cancellationToken) =>
        BuildServiceGraphAsync(caller, startTime, endTime, group: null, cancellationToken);

    /// <summary>Builds the service graph of the traces with data in a time range that a group's filter expression picks (all of them without one).</summary>
    public async Task<IReadOnlyList<ServiceGraphNode>> BuildServiceGraphAsync(Caller caller, double startTime, double endTime, FilterExpression? group, CancellationToken cancellationToken)
    {
        var byTrace = await GuardAsync(() => _reader.ReadRangeAsync(caller.AccountId, (long)Math.Floor(startTime), (long)Math.Ceiling(endTime), caller, cancellationToken)).ConfigureAwait(false);
        var traces = byTrace
            .Where(t => t.Value.Any(s => s.EndTime >= startTime && s.StartTime < endTime))
            .Select(t => Assemble(t.Key, t.Value))
            .Where(trace => group is null || group.Matches(trace));
        return ServiceGraph.Build(traces);
    }

    /// <summary>
    /// Builds the service graph of at most <paramref name="maxTraces"/> of the newest traces dated in a time range, reading
    /// chunks newest first and stopping there — or, once it has some traces, after at most <paramref name="maxBatches"/> more
    /// reads (a read that completes few traces may be followed by many more such); answers the graph and how many traces it
    /// was built from. With <paramref name="group"/>, only the traces its filter expression picks count.
    /// </summary>
    public async Task<(IReadOnlyList<ServiceGraphNode> Services, int Traces)> BuildRecentServiceGraphAsync(Caller caller, double startTime, double endTime, int maxTraces, int maxBatches, FilterExpression? group, CancellationToken cancellationToken)
    {
        var traces = new List<AssembledTrace>();
        var reads = 0;
        var batches = await GuardAsync(() => _reader.ReadNewestFirstAsync(caller.AccountId, (long)Math.Floor(startTime), (long)Math.Ceiling(endTime), caller, cancellationToken)).ConfigureAwait(false);
        await foreach (var batch in batches.ConfigureAwait(false))
        {
            if (traces.Count > 0 && ++reads > maxBatches)
            {
                break;
            }

            var newest = batch.Where(t => t.Date >= startTime && t.Date < endTime).OrderByDescending(t => t.Date);
            traces.AddRange(group is null
                ? newest.Take(maxTraces - traces.Count).AsParallel().Select(t => Assemble(t.TraceId, t.Segments))
                : newest.AsParallel().AsOrdered().Select(t => Assemble(t.TraceId, t.Segments)).Where(group.Matches).Take(maxTraces - traces.Count));
            if (traces.Count >= maxTraces)
            {
                break;
            }
        }

        return (ServiceGraph.Build(traces), traces.Count);
    }

    private async Task BatchGetTracesAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        if (root.TryGetProperty("NextToken", out var token) && token.ValueKind != JsonValueKind.Null)
        {
            throw new ApiException("InvalidRequestException", "NextToken is currently not supported");
        }

        var ids = ReadTraceIds(root);
        if (ids.Count > MaxBatchTraceIds)
        {
            throw new ApiException("InvalidRequestException", $"Exceeding maximum query size: {MaxBatchTraceIds}");
        }

        // A trace a damaged chunk holds, or one under a key the caller cannot use, is not given: it is answered unprocessed, and
        // the others come back (when none of them can be read for its key, the call is refused naming the key).
        var traces = await ReadTracesAsync(request.Caller, ids, new ReadDamage(), request.Http.RequestAborted).ConfigureAwait(false);
        var found = traces.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("Traces");
            foreach (var trace in traces)
            {
                TraceJsonWriter.Write(writer, trace);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("UnprocessedTraceIds");
            foreach (var id in ids.Where(id => !found.Contains(id)))
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task GetTraceSummariesAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var root = body.RootElement;
        var (start, end) = ReadTimeRange(root);
        var rangeType = root.TryGetProperty("TimeRangeType", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString()! : "TraceId";
        if (rangeType is not ("TraceId" or "Event" or "Service"))
        {
            throw new ApiException("InvalidRequestException", $"TimeRangeType must be TraceId, Event or Service, not '{rangeType}'.");
        }

        var filterText = root.TryGetProperty("FilterExpression", out var filterElement) && filterElement.ValueKind == JsonValueKind.String ? filterElement.GetString() : null;
        FilterExpression? filter = null;
        if (!string.IsNullOrWhiteSpace(filterText))
        {
            // group.name and group.arn stand for the group's filter expression as it is now.
            filter = _groups.ParseFilter(request.Caller.AccountId, filterText);
        }

        var queryKey = $"{start.ToString("R", CultureInfo.InvariantCulture)}|{rangeType}|{filterText}";
        var token = root.TryGetProperty("NextToken", out var tokenElement) && tokenElement.ValueKind == JsonValueKind.String
            ? ReadPageToken(tokenElement.GetString()!, queryKey)
            : null;

        List<TraceSummary> page;
        int processed;
        string? next;
        double approximate;
        IReadOnlyList<UnreadableKey> unreadable;
        if (rangeType == "TraceId")
        {
            var cursor = token is null ? null : SummaryCursor.Parse(token) ?? throw InvalidToken();
            var result = await FindSummariesPageAsync(request.Caller, start, end, filter, cursor, SummariesPageSize, SummariesScanLimit, request.Http.RequestAborted).ConfigureAwait(false);
            (page, processed, unreadable) = (result.Summaries, result.Processed, result.Unreadable);
            next = result.Next is null ? null : WritePageToken(result.Next.ToString(), queryKey);
            approximate = page.Count > 0 ? SummaryCursor.From(page[^1]).TraceTime : result.Next?.TraceTime ?? Math.Min(end, _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        }
        else
        {
            var offset = token is null ? 0 : int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : throw InvalidToken();
            var damage = new ReadDamage();
            var (matches, all) = await FindSummariesAsync(request.Caller, start, end, rangeType, filter, damage, request.Http.RequestAborted).ConfigureAwait(false);
            unreadable = damage.UnreadableKeys;
            page = matches.Skip(offset).Take(SummariesPageSize).ToList();
            processed = all;
            next = offset + page.Count < matches.Count ? WritePageToken((offset + page.Count).ToString(CultureInfo.InvariantCulture), queryKey) : null;
            approximate = Math.Min(end, _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        }

        // X-Ray's answer has no member for traces left out because their key could not be used (and clients drop members they do
        // not know): they are not in TracesProcessedCount, and two response headers count them and name their keys.
        if (unreadable.Count > 0)
        {
            var headers = request.Http.Response.Headers;
            headers[UnreadableTracesHeader] = unreadable.Sum(k => k.Traces).ToString(CultureInfo.InvariantCulture);
            headers[UnreadableKeysHeader] = string.Join(", ", unreadable.Select(k => $"{k.KeyArn} ({(k.AccessDenied ? "AccessDenied" : "KeyUnusable")})"));
        }

        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("TraceSummaries");
            foreach (var summary in page)
            {
                TraceSummaryJsonWriter.Write(writer, summary);
            }

            writer.WriteEndArray();
            writer.WriteNumber("ApproximateTime", approximate);
            writer.WriteNumber("TracesProcessedCount", processed);
            if (next is not null)
            {
                writer.WriteString("NextToken", next);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task GetServiceGraphAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        // Scoped to a group: built from the traces its filter expression picks.
        var groupFilter = GroupApi.AuthorizeGroupScope(request, body.RootElement, _groups);
        var (start, end) = ReadTimeRange(body.RootElement);
        var services = await BuildServiceGraphAsync(request.Caller, start, end, groupFilter, request.Http.RequestAborted).ConfigureAwait(false);
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("StartTime", start);
            writer.WriteNumber("EndTime", end);
            writer.WritePropertyName("Services");
            ServiceGraphJsonWriter.WriteServices(writer, services);
            writer.WriteBoolean("ContainsOldGroupVersions", false);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private async Task GetTraceGraphAsync(ApiRequest request)
    {
        request.AuthorizeByIdentity();
        using var body = request.ReadJson();
        var ids = ReadTraceIds(body.RootElement);
        var services = ServiceGraph.Build(await ReadTracesAsync(request.Caller, ids, request.Http.RequestAborted).ConfigureAwait(false));
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WritePropertyName("Services");
            ServiceGraphJsonWriter.WriteServices(writer, services);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static AssembledTrace Assemble(string traceId, List<ChunkSegment> segments) =>
        TraceAssembler.Assemble(traceId, segments.Select(s => s.Document));

    private static bool InRange(string traceId, List<ChunkSegment> segments, double start, double end, string rangeType)
    {
        switch (rangeType)
        {
            case "Event":
                var last = segments.Max(s => s.EndTime);
                return last >= start && last < end;
            case "Service":
                return segments.Any(s => s.EndTime >= start && s.EndTime < end);
            default:
                var traceTime = TraceDates.Of(traceId, segments.Min(s => s.StartTime));
                return traceTime >= start && traceTime < end;
        }
    }

    private static List<string> ReadTraceIds(JsonElement root)
    {
        if (!root.TryGetProperty("TraceIds", out var idsElement) || idsElement.ValueKind != JsonValueKind.Array)
        {
            throw new ApiException("InvalidRequestException", "TraceIds is required and must be a list.");
        }

        var ids = new List<string>();
        foreach (var id in idsElement.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: >= 1 and <= 35 } text)
            {
                throw new ApiException("InvalidRequestException", "Each trace id must be a string of 1 to 35 characters.");
            }

            // Trace ids are stored in lowercase; X-Ray's are hex, so case does not distinguish them.
            ids.Add(text.ToLowerInvariant());
        }

        return ids;
    }

    private static (double Start, double End) ReadTimeRange(JsonElement root)
    {
        if (!root.TryGetProperty("StartTime", out var startElement) || startElement.ValueKind != JsonValueKind.Number
            || !root.TryGetProperty("EndTime", out var endElement) || endElement.ValueKind != JsonValueKind.Number)
        {
            throw new ApiException("InvalidRequestException", "StartTime and EndTime are required, as epoch seconds.");
        }

        var start = EpochSeconds(startElement, "StartTime");
        var end = EpochSeconds(endElement, "EndTime");
        if (end <= start)
        {
            throw new ApiException("InvalidRequestException", "EndTime must be later than StartTime.");
        }

        return (start, end);
    }

    /// <summary>A timestamp member as epoch seconds, refused unless it falls between 1970 and the end of year 9999, as a date can.</summary>
    private static double EpochSeconds(JsonElement element, string name)
    {
        if (!element.TryGetDouble(out var seconds) || !(seconds >= 0 && seconds <= MaxEpochSeconds))
        {
            throw new ApiException("InvalidRequestException", string.Create(
                CultureInfo.InvariantCulture, $"{name} must be epoch seconds from 0 to {MaxEpochSeconds} (9999-12-31T23:59:59Z)."));
        }

        return seconds;
    }

    private static string WritePageToken(string position, string queryKey)
    {
        var text = position + "|" + QueryHash(queryKey);
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
    }

    private static string ReadPageToken(string token, string queryKey)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var separator = text.LastIndexOf('|');
            if (separator > 0 && text[(separator + 1)..] == QueryHash(queryKey))
            {
                return text[..separator];
            }
        }
        catch (FormatException)
        {
        }

        throw InvalidToken();
    }

    private static string QueryHash(string queryKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(queryKey)))[..16];

    private static ApiException InvalidToken() =>
        new("InvalidRequestException", "The NextToken is not valid for this request: send it with the same StartTime, TimeRangeType and FilterExpression as the first call.");

    private static async Task<T> GuardAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (DataKeyAccessException exception)
        {
            throw exception.AccessDenied
                ? new ApiException("AccessDeniedException", exception.Message, 403)
                : new ApiException("InvalidRequestException", exception.Message);
        }
    }
}
