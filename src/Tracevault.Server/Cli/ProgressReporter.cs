using System.Globalization;

namespace Tracevault.Server.Cli;

/// <summary>Tells how far a long command has got: plain lines, at most one per interval (a second), never a spinner, so logs stay readable.</summary>
/// <remarks>Not thread-safe: one command reports from one thread.</remarks>
public sealed class ProgressReporter
{
    /// <summary>The least time between two progress lines: one second.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    /// <summary>Fault injection for tests: an interval in milliseconds (0 prints a line for every item) in place of one second.</summary>
    public const string IntervalVariable = "TRACEVAULT_PROGRESS_INTERVAL_MS";

    private readonly TextWriter _output;
    private readonly TimeProvider _time;
    private readonly TimeSpan _interval;
    private DateTimeOffset _last;

    /// <summary>Creates a reporter writing to <paramref name="output"/>; its first line comes one <paramref name="interval"/> after it is made.</summary>
    public ProgressReporter(TextWriter output, TimeProvider time, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(time);
        _output = output;
        _time = time;
        _interval = interval;
        _last = time.GetUtcNow();
    }

    /// <summary>A reporter on the console's standard output, every second (or every <see cref="IntervalVariable"/> milliseconds).</summary>
    public static ProgressReporter ForConsole() =>
        new(System.Console.Out, TimeProvider.System,
            int.TryParse(Environment.GetEnvironmentVariable(IntervalVariable), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
                ? TimeSpan.FromMilliseconds(milliseconds)
                : DefaultInterval);

    /// <summary>Says what is starting, at once (not throttled).</summary>
    public void Begin(string what)
    {
        _output.WriteLine(what);
        _output.Flush();
        _last = _time.GetUtcNow();
    }

    /// <summary>Prints "<paramref name="verb"/> DONE of TOTAL <paramref name="noun"/> (P%)" when an interval has passed since the last line.</summary>
    public void Report(long done, long total, string verb, string noun)
    {
        var now = _time.GetUtcNow();
        if (now - _last < _interval)
        {
            return;
        }

        _last = now;
        _output.WriteLine(Line(done, total, verb, noun));
        _output.Flush();
    }

    /// <summary>The text of a progress line, e.g. "checked 12,000 of 40,000 chunks (30%)".</summary>
    public static string Line(long done, long total, string verb, string noun)
    {
        var percent = total > 0 ? done * 100 / total : 100;
        return string.Create(CultureInfo.InvariantCulture, $"{verb} {done:N0} of {total:N0} {noun} ({percent}%)");
    }
}
