using System.Globalization;

namespace Tracevault.Benchmarks.Load;

/// <summary>The machine's load averages over 1, 5 and 15 minutes (<c>/proc/loadavg</c>), to judge a run on a shared machine by.</summary>
internal sealed record LoadAverage(double OneMinute, double FiveMinutes, double FifteenMinutes)
{
    /// <summary>Reads them now; zeros where <c>/proc/loadavg</c> is missing.</summary>
    public static LoadAverage Read()
    {
        if (!File.Exists("/proc/loadavg"))
        {
            return new LoadAverage(0, 0, 0);
        }

        var fields = File.ReadAllText("/proc/loadavg").Split(' ');
        return new LoadAverage(Parse(fields[0]), Parse(fields[1]), Parse(fields[2]));
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{OneMinute:F2} / {FiveMinutes:F2} / {FifteenMinutes:F2}");

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
