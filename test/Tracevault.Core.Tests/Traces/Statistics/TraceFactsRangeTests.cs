using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Tests.Traces.Statistics;

public sealed class TraceFactsRangeTests
{
    [Fact]
    public void Update_MinutesChangedAddedAndGone_MergesAsMakingTheRangeAgainWould()
    {
        // Each document of each corpus trace in a minute of its own (as if each came in its own batch), so traces have parts in
        // several minutes; then one minute gains parts (a new object, as the reader makes when rows are added), the first goes
        // (the range moved on) and a new one comes.
        var parts = new[]
        {
            (TraceCorpus.A, TraceCorpus.DocumentsA), (TraceCorpus.B, TraceCorpus.DocumentsB), (TraceCorpus.C, TraceCorpus.DocumentsC),
            (TraceCorpus.D, TraceCorpus.DocumentsD), (TraceCorpus.E, TraceCorpus.DocumentsE),
        }.SelectMany(t => t.Item2.Select((d, i) => (Slot: i, Facts: TraceFacts.From(TraceCorpus.Assemble(t.Item1, [d]), indexed: true)))).ToList();
        var minutes = Enumerable.Range(0, 4).Select(i => Minute(i * 60, parts.Where(p => p.Slot == i).Select(p => p.Facts))).ToList();
        var before = TraceFactsRange.Of(minutes[..3]);

        var grown = Minute(60, minutes[1].Traces.Concat(minutes[0].Traces.Take(1)));
        var moved = new List<MinuteStatistics> { grown, minutes[2], minutes[3] };
        var updated = before.Update(moved);

        Assert.Equal(Described(TraceFactsRange.Of(moved)), Described(updated));
        Assert.NotEqual(Described(before), Described(updated));
        Assert.Equal(1, before.Shared(moved));

        // Only a minute added, holding another part of a trace no other change touches (C, stored again).
        var appended = new List<MinuteStatistics>(minutes[..3]) { Minute(240, [TraceFacts.From(TraceCorpus.TraceC, indexed: true)]) };
        Assert.Equal(Described(TraceFactsRange.Of(appended)), Described(before.Update(appended)));
        Assert.Equal(Described(before), Described(before.Update(minutes[..3])));
    }

    [Fact]
    public void Update_AnnotationColumnsFoundBefore_CarriedOverAsFindingThemAgainWould()
    {
        // A trace per minute, each with a customer of its own; the range moves on by a minute, so the traces it keeps move up.
        var minutes = Enumerable.Range(1, 4).Select(n => Minute(n * 60, [Customer(n)])).ToList();
        var before = TraceFactsRange.Of(minutes[..3]);
        Assert.Equal(3, before.AnnotationsOf("customer").Values.Count);

        var updated = before.Update(minutes[1..]);

        var carried = updated.AnnotationsOf("customer");
        var found = TraceFactsAnnotationColumn.Of(updated.Traces, "customer");
        Assert.Equal(updated.Traces.Select(t => "c" + t.Id[^1]), Enumerable.Range(0, updated.Traces.Count).Select(i => Assert.Single(Values(carried, i))));
        Assert.Equal(Enumerable.Range(0, updated.Traces.Count).Select(i => Values(found, i)), Enumerable.Range(0, updated.Traces.Count).Select(i => Values(carried, i)));
        Assert.Empty(Values(updated.AnnotationsOf("no-such-key"), 0));

        // More keys asked about than a range keeps: it forgets its columns and finds them again.
        foreach (var key in Enumerable.Range(0, 40).Select(k => "key" + k.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            Assert.Empty(updated.AnnotationsOf(key).Values);
        }

        Assert.Equal(Enumerable.Range(0, updated.Traces.Count).Select(i => Values(found, i)), Enumerable.Range(0, updated.Traces.Count).Select(i => Values(updated.AnnotationsOf("customer"), i)));
    }

    /// <summary>Trace C's first document as a trace of its own (id ending in <paramref name="n"/>), its customer <c>c</c><paramref name="n"/>.</summary>
    private static TraceFacts Customer(int n)
    {
        var id = TraceCorpus.C[..^1] + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var document = TraceCorpus.DocumentsC[0].Replace(TraceCorpus.C, id, StringComparison.Ordinal).Replace("\"customer\":\"c7\"", $"\"customer\":\"c{n}\"", StringComparison.Ordinal);
        return TraceFacts.From(TraceCorpus.Assemble(id, [document]), indexed: true);
    }

    private static List<string> Values(TraceFactsAnnotationColumn column, int trace) =>
        [.. column.Of(trace).ToArray().Select(n => column.Values[n].ToString()).Order(StringComparer.Ordinal)];

    private static MinuteStatistics Minute(long minute, IEnumerable<TraceFacts> facts)
    {
        var statistics = new MinuteStatistics(minute);
        statistics.Traces.AddRange(facts);
        return statistics;
    }

    /// <summary>Each trace of the range as its merged facts describe it, by id, and whether the range's bits of its list are those of its services.</summary>
    private static List<string> Described(TraceFactsRange range) =>
        [.. range.Traces.Select((t, i) =>
            $"{t.Id} {t.Flags} {t.Certainty} {t.StartTime}-{t.EndTime} [{string.Join(',', t.Services)}] [{string.Join(',', t.Calls.Select(c => t.Services[c.Caller] + ">" + t.Services[c.Callee]))}] "
            + $"{t.Requests.Count}/{t.CallRequests.Count} list bits as its services' {range.Services.MaskOfList(range.Services.ListOf(i)) == range.Services.MaskOf(t)}")
            .Order(StringComparer.Ordinal)];
}
