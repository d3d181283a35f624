using System.Globalization;

namespace Tracevault.Server.Console;

/// <summary>How the console writes times, durations and shares for people.</summary>
public static class ConsoleFormat
{
    /// <summary>A duration in seconds as milliseconds below a second, else seconds, e.g. <c>12.3 ms</c>, <c>1.25 s</c>.</summary>
    public static string Duration(double? seconds) => seconds switch
    {
        null => "—",
        <= 0 => "0 ms",
        < 0.001 => "<1 ms",
        < 1 => (seconds.Value * 1000).ToString(seconds < 0.1 ? "0.#" : "0", CultureInfo.InvariantCulture) + " ms",
        < 60 => seconds.Value.ToString("0.00", CultureInfo.InvariantCulture) + " s",
        _ => (seconds.Value / 60).ToString("0.0", CultureInfo.InvariantCulture) + " min",
    };

    /// <summary>An epoch-seconds time in UTC, to the millisecond.</summary>
    public static string Time(double epochSeconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(epochSeconds * 1000)).ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A time in UTC, to the second.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";

    /// <summary>A share of a total as a percentage, e.g. <c>2.5%</c>; <c>0%</c> of nothing.</summary>
    public static string Percent(long part, long total) =>
        total == 0 ? "0%" : (100.0 * part / total).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    /// <summary>A whole number with thousands separators.</summary>
    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
