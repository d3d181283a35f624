using System.Globalization;
using System.Text;
using Tracevault.Core.Insights;
using Tracevault.Core.Traces;

namespace Tracevault.Core.Tests.Insights;

public sealed class InsightDeciderTests
{
    private const long Start = 1_767_225_600; // 2026-01-01T00:00:00Z
    private static readonly ServiceId Front = new("front", "AWS::EC2::Instance", null);
    private static readonly ServiceId Back = new("back", "AWS::EC2::Instance", null);
    private static readonly InsightDetectionOptions Options = new() { BaselineMinutes = 10 };

    [Fact]
    public void Decide_SteadyLowFaultRate_OpensNothing()
    {
        var history = Minutes(0, 12, backFaults: 1);
        foreach (var minute in history.Skip(10))
        {
            Assert.Equal(InsightChange.None, InsightDecider.Decide(null, history, minute.Minute, Options, NewId).Change);
        }
    }

    [Fact]
    public void Decide_FaultRateRisesInTheBackEnd_OpensAnInsightNamingIt()
    {
        var history = Minutes(0, 10, backFaults: 1).Append(Minute(10, backFaults: 20)).ToList();
        var decision = InsightDecider.Decide(null, history, At(10), Options, NewId);

        Assert.Equal(InsightChange.Opened, decision.Change);
        var insight = decision.Insight!;
        Assert.True(insight.Active);
        Assert.Equal("ACTIVE", insight.State);
        Assert.Equal(Back, insight.RootCause);
        Assert.Equal(At(10), insight.StartTime);
        Assert.Contains(Back, insight.TopAnomalousServices);
        Assert.Equal(new RequestImpact(20, 20, 40), insight.ClientImpact);
        Assert.Equal(new RequestImpact(20, 20, 40), insight.RootCauseImpact);
        Assert.Equal(At(11), decision.Event!.EventTime);
        Assert.Contains("back", decision.Event.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_FewFaultsAboveAQuietBaseline_BelowTheMinimumCount_OpensNothing()
    {
        // 4 faults where the baseline has none is very unlikely, but fewer than MinFaults (5).
        var history = Minutes(0, 10, backFaults: 0).Append(Minute(10, backFaults: 4)).ToList();
        Assert.Equal(InsightChange.None, InsightDecider.Decide(null, history, At(10), Options, NewId).Change);
    }

    [Fact]
    public void Decide_ShortHistory_TestsNothing()
    {
        // Two minutes of 40 requests: 80 baseline requests, fewer than MinBaselineRequests (100).
        var history = Minutes(8, 10, backFaults: 0).Append(Minute(10, backFaults: 30)).ToList();
        Assert.Equal(InsightChange.None, InsightDecider.Decide(null, history, At(10), Options, NewId).Change);
    }

    [Fact]
    public void Decide_AnomalyPersistsThenStops_RecordsChangesAndClosesAfterTwoQuietMinutes()
    {
        var history = Minutes(0, 10, backFaults: 1).Concat([Minute(10, 20), Minute(11, 20), Minute(12, 25), Minute(13, 1), Minute(14, 0)]).ToList();
        var opened = InsightDecider.Decide(null, history, At(10), Options, NewId);
        var same = InsightDecider.Decide(opened.Insight, history, At(11), Options, NewId);
        Assert.Equal(InsightChange.Updated, same.Change);
        Assert.Null(same.Event); // the same impact as the event before: nothing new to record
        Assert.Equal(new RequestImpact(40, 40, 80), same.Insight!.ClientImpact);

        var worse = InsightDecider.Decide(same.Insight, history, At(12), Options, NewId);
        Assert.NotNull(worse.Event); // 25 client faults instead of 20: the impact changed
        Assert.Equal(At(13), worse.Event!.EventTime);

        var firstQuiet = InsightDecider.Decide(worse.Insight, history, At(13), Options, NewId);
        Assert.Equal(InsightChange.Updated, firstQuiet.Change);
        Assert.True(firstQuiet.Insight!.Active);

        var closed = InsightDecider.Decide(firstQuiet.Insight, history, At(14), Options, NewId);
        Assert.Equal(InsightChange.Closed, closed.Change);
        Assert.Equal("CLOSED", closed.Insight!.State);
        Assert.Equal(At(13), closed.Insight.EndTime);
        Assert.NotNull(closed.Event);
        Assert.Equal(opened.Insight!.InsightId, closed.Insight.InsightId);
        // The quiet minutes are after the end: not counted as the insight's impact.
        Assert.Equal(new RequestImpact(65, 55, 120), closed.Insight.ClientImpact);
    }

    [Fact]
    public void Decide_RateBetweenTheTwoLevels_KeepsTheInsightOpen()
    {
        // 6 of 40 against the baseline's 2.7 %: p ≈ 0.0007, above the opening level shared by two services (0.0005), below the closing one (0.025).
        var history = Minutes(0, 10, backFaults: 1).Concat([Minute(10, 20), Minute(11, 6), Minute(12, 6)]).ToList();
        var opened = InsightDecider.Decide(null, history, At(10), Options, NewId);
        var held = InsightDecider.Decide(opened.Insight, history, At(11), Options, NewId);
        var stillHeld = InsightDecider.Decide(held.Insight, history, At(12), Options, NewId);
        Assert.True(stillHeld.Insight!.Active);
        Assert.Equal(0, stillHeld.Insight.QuietMinutes);
        Assert.Equal(InsightChange.None, InsightDecider.Decide(null, history.Take(10).Append(Minute(10, 6)).ToList(), At(10), Options, NewId).Change);
    }

    [Fact]
    public void From_TracesWhoseBackEndFaults_CountsPerServiceAndNamesTheRootCause()
    {
        var traces = Enumerable.Range(0, 10).Select(i => Trace(i, backFault: i < 3)).ToList();
        var minute = InsightMinute.From(Start, traces);

        var back = minute.Services.Single(s => s.Service.Name == "back");
        Assert.Equal((10L, 3L), (back.Requests, back.Faults));
        Assert.Equal(new RequestImpact(3, 7, 10), minute.Client);
        Assert.Equal("back", minute.RootCauses.Single().Service.Name);
        Assert.Equal(3, minute.RootCauses.Single().Traces);
        var graph = minute.FaultGraph;
        var front = graph.Single(n => n.Service.Name == "front");
        Assert.Equal("back", graph[front.Callees.Single()].Service.Name);
    }

    private static string NewId() => Ids.NewUuid();

    private static long At(int minute) => Start + (minute * 60L);

    private static List<InsightMinute> Minutes(int from, int to, long backFaults) => Enumerable.Range(from, to - from).Select(m => Minute(m, backFaults)).ToList();

    /// <summary>40 requests to the front end, each calling the back end; the back end's faults fault the front end's request too.</summary>
    private static InsightMinute Minute(int minute, long backFaults) => new(
        At(minute),
        [new ServiceFaults(Front, 40, backFaults), new ServiceFaults(Back, 40, backFaults)],
        new RequestImpact(backFaults, 40 - backFaults, 40),
        backFaults == 0 ? [] : [new RootCauseCount(Back, backFaults)],
        [new InsightGraphNode(Front, [1]), new InsightGraphNode(Back, [])]);

    private static AssembledTrace Trace(int i, bool backFault)
    {
        var id = $"1-{Start:x8}-{i:x24}";
        var fault = backFault ? "true" : "false";
        var status = backFault ? 500 : 200;
        string[] templates =
        [
            """{"name":"front","id":"IIII00000001","trace_id":"TRACE","start_time":T1,"end_time":T2,"fault":FAULT,"http":{"response":{"status":STATUS}},"subsegments":[{"name":"back","id":"IIII00000002","namespace":"remote","start_time":T1.1,"end_time":T1.9,"fault":FAULT,"http":{"request":{"traced":true},"response":{"status":STATUS}}}]}""",
            """{"name":"back","id":"IIII00000003","parent_id":"IIII00000002","trace_id":"TRACE","start_time":T1.2,"end_time":T1.8,"fault":FAULT,"http":{"response":{"status":STATUS}}}""",
        ];
        var documents = templates.Select(t => t
            .Replace("IIII", i.ToString("x8", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("TRACE", id, StringComparison.Ordinal)
            .Replace("T1", (Start + 1).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("T2", (Start + 2).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("FAULT", fault, StringComparison.Ordinal)
            .Replace("STATUS", status.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        return TraceAssembler.Assemble(id, documents.Select(d => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(d)));
    }
}
