using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracevault.Core.Traces.Filters;
using Tracevault.Core.Traces.Json;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Keys.Envelope;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Groups;

namespace Tracevault.Server.XRay.Statistics;

/// <summary>X-Ray's <c>GetTimeSeriesServiceStatistics</c>: the wire format over <see cref="ServiceStatisticsService"/>.</summary>
public sealed class TimeSeriesStatisticsApi
{
    /// <summary>The response header that counts the stored minutes of statistics the caller could not open (absent when none).</summary>
    public const string UnreadableHeader = "X-Tracevault-Unreadable-Statistics";

    /// <summary>The last second a <see cref="DateTimeOffset"/> holds, as epoch seconds.</summary>
    private const long MaxEpochSeconds = 253_402_300_799;

    private const string TokenPrefix = "tvstats1:";

    private readonly ServiceStatisticsService _statistics;
    private readonly GroupService _groups;

    /// <summary>Creates the API.</summary>
    public TimeSeriesStatisticsApi(ServiceStatisticsService statistics, GroupService groups)
    {
        _statistics = statistics;
        _groups = groups;
    }

    /// <summary>Registers the operation.</summary>
    public void Map(ApiRouter router) => router.Map(ApiProtocol.XRay, "GetTimeSeriesServiceStatistics", GetTimeSeriesServiceStatisticsAsync);

    /// <summary>The period X-Ray users get when they give none: one minute up to 6 hours, five minutes up to a day, an hour beyond.</summary>
    public static long DefaultPeriod(long rangeSeconds) => rangeSeconds <= 6 * 3600 ? 60 : rangeSeconds <= 24 * 3600 ? 300 : 3600;

    private async Task GetTimeSeriesServiceStatisticsAsync(ApiRequest request)
    {
        using var body = request.ReadJson();
        var root = body.RootElement;
        // Scoped to a group: counted from the traces its filter expression picks.
        var group = GroupApi.AuthorizeGroupScope(request, root, _groups);
        var (startTime, endTime) = ReadTimeRange(root);
        var start = (long)Math.Floor(startTime / 60) * 60;
        var end = (long)Math.Ceiling(endTime / 60) * 60;
        var period = ReadPeriod(root, end - start);
        var selector = ReadSelector(root);
        var forecast = root.TryGetProperty("ForecastStatistics", out var forecastElement) && forecastElement.ValueKind == JsonValueKind.True;
        if (forecast && selector.PicksEdges)
        {
            throw Invalid("ForecastStatistics needs an EntitySelectorExpression that names a service: id(name: \"…\", type: \"…\") or service(\"…\").");
        }

        var pageStart = ReadNextToken(root, start, end, period);
        var page = await GuardAsync(() => _statistics.ReadAsync(
            request.Caller,
            new StatisticsQuery(start, end, period, pageStart, group, forecast ? FaultForecast.HistoryPeriods : 0),
            request.Http.RequestAborted)).ConfigureAwait(false);
        if (page.Unreadable > 0)
        {
            request.Http.Response.Headers[UnreadableHeader] = page.Unreadable.ToString(CultureInfo.InvariantCulture);
        }

        var faultsByPeriod = forecast
            ? page.History.Concat(page.Periods).ToDictionary(p => p.Start, p => p.Merged(selector).Faults)
            : [];
        await ApiResponses.WriteAsync(request, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("TimeSeriesServiceStatistics");
            foreach (var entry in page.Periods)
            {
                var merged = entry.Merged(selector);
                if (merged.Total == 0)
                {
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteNumber("Timestamp", entry.Start);
                ServiceGraphJsonWriter.WriteStatistics(writer, selector.PicksEdges ? "EdgeSummaryStatistics" : "ServiceSummaryStatistics", merged.ToStatistics());
                if (forecast)
                {
                    var history = Enumerable.Range(1, FaultForecast.HistoryPeriods)
                        .Select(i => entry.Start - (i * period))
                        .Where(at => at >= 0)
                        .Select(at => faultsByPeriod.GetValueOrDefault(at))
                        .ToList();
                    var (low, high) = FaultForecast.From(history);
                    writer.WriteStartObject("ServiceForecastStatistics");
                    writer.WriteNumber("FaultCountHigh", high);
                    writer.WriteNumber("FaultCountLow", low);
                    writer.WriteEndObject();
                }

                ServiceGraphJsonWriter.WriteHistogram(writer, "ResponseTimeHistogram", merged.ToHistogram());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteBoolean("ContainsOldGroupVersions", false);
            if (page.NextPageStart is { } next)
            {
                writer.WriteString("NextToken", Convert.ToBase64String(Encoding.UTF8.GetBytes(TokenPrefix + next.ToString(CultureInfo.InvariantCulture))));
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static (double Start, double End) ReadTimeRange(JsonElement root)
    {
        if (!root.TryGetProperty("StartTime", out var startElement) || startElement.ValueKind != JsonValueKind.Number
            || !root.TryGetProperty("EndTime", out var endElement) || endElement.ValueKind != JsonValueKind.Number)
        {
            throw Invalid("StartTime and EndTime are required, as epoch seconds.");
        }

        var start = EpochSeconds(startElement, "StartTime");
        var end = EpochSeconds(endElement, "EndTime");
        return end <= start ? throw Invalid("EndTime must be later than StartTime.") : (start, end);
    }

    private static double EpochSeconds(JsonElement element, string name) =>
        element.TryGetDouble(out var seconds) && seconds >= 0 && seconds <= MaxEpochSeconds
            ? seconds
            : throw Invalid(string.Create(CultureInfo.InvariantCulture, $"{name} must be epoch seconds from 0 to {MaxEpochSeconds} (9999-12-31T23:59:59Z)."));

    private static long ReadPeriod(JsonElement root, long rangeSeconds)
    {
        if (!root.TryGetProperty("Period", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return DefaultPeriod(rangeSeconds);
        }

        return element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var period) && period > 0 && period % 60 == 0
            ? period
            : throw Invalid("Period must be a positive multiple of 60 seconds.");
    }

    private static EntitySelector ReadSelector(JsonElement root)
    {
        if (!root.TryGetProperty("EntitySelectorExpression", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return EntitySelector.AllEdges;
        }

        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: >= 1 and <= 500 } text)
        {
            throw Invalid("EntitySelectorExpression must be a string of 1 to 500 characters.");
        }

        try
        {
            return EntitySelector.Parse(text);
        }
        catch (FilterExpressionException exception)
        {
            throw Invalid("Invalid EntitySelectorExpression: " + exception.Reason);
        }
    }

    /// <summary>The first period of the page a <c>NextToken</c> names (a period of this range), or the range's first.</summary>
    private static long ReadNextToken(JsonElement root, long start, long end, long period)
    {
        if (!root.TryGetProperty("NextToken", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return start;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(element.GetString() ?? string.Empty));
            if (text.StartsWith(TokenPrefix, StringComparison.Ordinal)
                && long.TryParse(text.AsSpan(TokenPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                && at > start && at < end && (at - start) % period == 0)
            {
                return at;
            }
        }
        catch (Exception exception) when (exception is FormatException or InvalidOperationException)
        {
            // Answered below as any other token that is not one of this range's.
        }

        throw Invalid("NextToken is not valid for this request.");
    }

    private static async Task<T> GuardAsync<T>(Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (DataKeyAccessException exception)
        {
            // Only a group's trace reads meet a key as a whole; the kept statistics count what they cannot open instead.
            throw exception.AccessDenied
                ? new ApiException("AccessDeniedException", exception.Message, 403)
                : new ApiException("InvalidRequestException", exception.Message);
        }
    }

    private static ApiException Invalid(string message) => new("InvalidRequestException", message);
}
