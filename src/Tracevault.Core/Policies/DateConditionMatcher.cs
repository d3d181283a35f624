using System.Globalization;

namespace Tracevault.Core.Policies;

/// <summary>Point-in-time comparison, for the Date operators; values are ISO 8601 dates or times, or whole seconds since the Unix epoch.</summary>
internal sealed class DateConditionMatcher : OrderedConditionMatcher<long>
{
    private DateConditionMatcher(long[] values, OrderedComparison comparison)
        : base(values, comparison)
    {
    }

    /// <summary>Compiles the policy values, throwing <see cref="PolicyFormatException"/> naming <paramref name="where"/> when one is not a date.</summary>
    public static DateConditionMatcher Create(IReadOnlyList<string> values, OrderedComparison comparison, string where)
    {
        var ticks = new long[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            if (!TryParseUtcTicks(values[i], out ticks[i]))
            {
                throw new PolicyFormatException($"{where}: \"{values[i]}\" is not an ISO 8601 date or a number of seconds since the Unix epoch.");
            }
        }

        return new DateConditionMatcher(ticks, comparison);
    }

    /// <inheritdoc/>
    protected override bool TryRead(string text, out long value) => TryParseUtcTicks(text, out value);

    private static bool TryParseUtcTicks(string text, out long utcTicks)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            var inRange = seconds >= DateTimeOffset.MinValue.ToUnixTimeSeconds() && seconds <= DateTimeOffset.MaxValue.ToUnixTimeSeconds();
            utcTicks = inRange ? DateTimeOffset.FromUnixTimeSeconds(seconds).UtcTicks : 0;
            return inRange;
        }

        // A time without an offset is UTC, as in AWS.
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            utcTicks = instant.UtcTicks;
            return true;
        }

        utcTicks = 0;
        return false;
    }
}
