using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Tests.Traces.Statistics;

public sealed class StatisticsTallyTests
{
    [Fact]
    public void Without_TakesAwayEachTallysCounts_NoneBelowZero()
    {
        var all = Tally(TraceCorpus.TraceA, TraceCorpus.TraceB);
        var a = Tally(TraceCorpus.TraceA);
        var b = Tally(TraceCorpus.TraceB);

        var rest = all.Without([a]);

        Assert.Equal(b.Total, rest.Total);
        Assert.Equal(b.Ok, rest.Ok);
        Assert.Equal(b.Faults, rest.Faults);
        Assert.Equal(b.Histogram, rest.Histogram);
        Assert.Equal(b.TotalResponseTime, rest.TotalResponseTime, 6);
        Assert.Equal(all.Total, a.Total + b.Total);

        var none = a.Without([all, all]);
        Assert.Equal(0, none.Total);
        Assert.Equal(0, none.TotalResponseTime);
        Assert.All(none.Histogram, count => Assert.Equal(0, count));
    }

    [Fact]
    public void Without_LeavesTheTallyItselfUnchanged()
    {
        var all = Tally(TraceCorpus.TraceA, TraceCorpus.TraceB);
        var before = all.Total;

        _ = all.Without([Tally(TraceCorpus.TraceA)]);

        Assert.Equal(before, all.Total);
    }

    private static StatisticsTally Tally(params AssembledTrace[] traces)
    {
        var tally = new StatisticsTally();
        foreach (var entity in traces.SelectMany(t => t.Entities))
        {
            tally.Add(entity);
        }

        return tally;
    }
}
