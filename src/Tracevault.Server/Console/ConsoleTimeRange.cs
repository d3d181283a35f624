using System.Globalization;

namespace Tracevault.Server.Console;

/// <summary>The time range a page shows: one of the presets ending now, or a custom start and end in UTC.</summary>
/// <param name="Preset">The preset's key (e.g. <c>15m</c>), or <c>custom</c>.</param>
/// <param name="Start">The start, inclusive.</param>
/// <param name="End">The end, exclusive.</param>
/// <param name="Error">Why the custom range the user gave could not be used, when it could not (the default preset is used instead).</param>
public sealed record ConsoleTimeRange(string Preset, DateTimeOffset Start, DateTimeOffset End, string? Error)
{
    /// <summary>The preset used when none is chosen.</summary>
    public const string DefaultPreset = "1h";

    /// <summary>The custom preset's key.</summary>
    public const string Custom = "custom";

    /// <summary>The format of a custom start or end, as an HTML <c>datetime-local</c> input sends it.</summary>
    public const string InputFormat = "yyyy-MM-ddTHH:mm";

    /// <summary>The presets, in the order the picker lists them.</summary>
    public static IReadOnlyList<(string Key, string Label, TimeSpan Length)> Presets { get; } =
    [
        ("5m", "Last 5 minutes", TimeSpan.FromMinutes(5)),
        ("15m", "Last 15 minutes", TimeSpan.FromMinutes(15)),
        ("1h", "Last hour", TimeSpan.FromHours(1)),
        ("6h", "Last 6 hours", TimeSpan.FromHours(6)),
        ("1d", "Last day", TimeSpan.FromDays(1)),
        ("7d", "Last 7 days", TimeSpan.FromDays(7)),
        ("30d", "Last 30 days", TimeSpan.FromDays(30)),
    ];

    private static readonly string[] InputFormats = [InputFormat, "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.fff"];

    /// <summary>Reads the range from a page's query (<c>range</c>, and <c>start</c>/<c>end</c> for a custom one).</summary>
    public static ConsoleTimeRange FromQuery(IQueryCollection query, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(query);
        var key = query["range"].ToString();
        if (key == Custom)
        {
            var start = ParseInput(query["start"].ToString());
            var end = ParseInput(query["end"].ToString());
            if (start is null || end is null)
            {
                return ForPreset(DefaultPreset, now) with { Error = "Give a custom start and end as date and time (UTC)." };
            }

            if (end <= start)
            {
                return ForPreset(DefaultPreset, now) with { Error = "The custom end must be later than its start." };
            }

            return new ConsoleTimeRange(Custom, start.Value, end.Value, null);
        }

        return ForPreset(Presets.Any(p => p.Key == key) ? key : DefaultPreset, now);
    }

    /// <summary>The range of a preset ending now.</summary>
    public static ConsoleTimeRange ForPreset(string key, DateTimeOffset now)
    {
        var preset = Presets.First(p => p.Key == key);
        return new ConsoleTimeRange(key, now - preset.Length, now, null);
    }

    /// <summary>The start as epoch seconds.</summary>
    public double StartSeconds => Start.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>The end as epoch seconds.</summary>
    public double EndSeconds => End.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>The query parameters that select this range again.</summary>
    public IEnumerable<KeyValuePair<string, string>> QueryParameters()
    {
        yield return new("range", Preset);
        if (Preset == Custom)
        {
            yield return new("start", FormatInput(Start));
            yield return new("end", FormatInput(End));
        }
    }

    /// <summary>A time as a <c>datetime-local</c> input value, in UTC.</summary>
    public static string FormatInput(DateTimeOffset time) => time.UtcDateTime.ToString(InputFormat, CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseInput(string text) =>
        DateTime.TryParseExact(text, InputFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? new DateTimeOffset(time, TimeSpan.Zero)
            : null;
}
