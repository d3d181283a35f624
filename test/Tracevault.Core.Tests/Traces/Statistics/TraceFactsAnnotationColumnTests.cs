using System.Globalization;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Tests.Traces.Statistics;

public sealed class TraceFactsAnnotationColumnTests
{
    [Fact]
    public void Of_TracesEnoughForEveryCore_HoldsEachTracesOwnValues()
    {
        // Enough traces that each core reads a share of its own, the shares meeting the values in different orders.
        var traces = Enumerable.Range(0, 300_000).Select(Trace).ToList();

        var column = TraceFactsAnnotationColumn.Of(traces, "tier");

        Assert.Equal(4, column.Values.Count);
        for (var t = 0; t < traces.Count; t++)
        {
            Assert.Equal(Own(traces[t]), Of(column, t));
        }
    }

    [Fact]
    public void Update_ARangeMovedOn_CarriesItsColumnOverForTheTracesKept_AndNumbersTheRest()
    {
        var gone = Minute(0, Enumerable.Range(0, 50_000));
        var kept = Minute(60, Enumerable.Range(50_000, 150_000));
        var added = Minute(120, Enumerable.Range(500_000, 150_000));
        var before = TraceFactsRange.Of([gone, kept]);
        var previous = before.AnnotationsOf("tier");

        // The first minute gone (its traces too), the kept ones moved up, new ones with a value none had before.
        var after = before.Update([kept, added]);
        var column = after.AnnotationsOf("tier");

        Assert.Equal(previous.Values, column.Values.Take(previous.Values.Count));
        Assert.Equal(5, column.Values.Count);
        for (var t = 0; t < after.Traces.Count; t++)
        {
            Assert.Equal(Own(after.Traces[t]), Of(column, t));
        }
    }

    private static MinuteStatistics Minute(long minute, IEnumerable<int> traces)
    {
        var statistics = new MinuteStatistics(minute);
        statistics.Traces.AddRange(traces.Select(Trace));
        return statistics;
    }

    /// <summary>A trace whose <c>tier</c> is one of three strings, a number, two values, or none, as <paramref name="n"/> says.</summary>
    private static TraceFacts Trace(int n)
    {
        var tier = (n % 7) switch
        {
            0 => [],
            1 => [new("tier", AnnotationValue.FromString("gold"))],
            2 => [new("tier", AnnotationValue.FromString("silver")), new("other", AnnotationValue.FromString("gold"))],
            3 => [new("tier", AnnotationValue.FromNumber(3))],
            4 => [new("tier", AnnotationValue.FromString("gold")), new("tier", AnnotationValue.FromNumber(3))],
            5 => [new("tier", AnnotationValue.FromString(n >= 500_000 ? "platinum" : "bronze"))],
            _ => new KeyValuePair<string, AnnotationValue>[] { new("other", AnnotationValue.FromBoolean(true)) },
        };
        return new TraceFacts(n.ToString(CultureInfo.InvariantCulture), n, n + 1, TraceFactsFlags.Indexed, 1, null, [], [], [], tier, [], [], [], []);
    }

    private static List<string> Own(TraceFacts trace) =>
        [.. trace.Annotations.Where(a => a.Key == "tier").Select(a => a.Value.ToString()).Order(StringComparer.Ordinal)];

    private static List<string> Of(TraceFactsAnnotationColumn column, int trace) =>
        [.. column.Of(trace).ToArray().Select(n => column.Values[n].ToString()).Order(StringComparer.Ordinal)];
}
