using Tracevault.Core.Traces.Graphs;

namespace Tracevault.Core.Tests.Traces.Graphs;

public sealed class ServiceGraphTests
{
    private static IReadOnlyList<ServiceGraphNode> CorpusGraph() => ServiceGraph.Build(TraceCorpus.All().Values);

    private static RequestStatistics Statistics(long ok, long throttled, long otherErrors, long faults, double totalResponseTime) =>
        new(ok, new ErrorStatistics(throttled, otherErrors, throttled + otherErrors), new FaultStatistics(faults, faults),
            ok + throttled + otherErrors + faults, totalResponseTime);

    [Fact]
    public void Build_Corpus_HasOneNodePerServiceInOrderFirstMet()
    {
        var graph = CorpusGraph();

        Assert.Equal(
            [
                "0 api AWS::ApiGateway::Stage root",
                "1 orders AWS::EC2::Instance",
                "2 payments.example.com remote inferred",
                "3 orders-table AWS::DynamoDB::Table inferred",
            ],
            graph.Select(n => $"{n.ReferenceId} {n.Service.Name} {n.Service.Type}{(n.Root ? " root" : "")}{(n.Inferred ? " inferred" : "")}"));
        Assert.All(graph, n => Assert.Equal("active", n.State));
        Assert.Equal("123456789012", graph[0].Service.AccountId);
    }

    [Fact]
    public void Build_Corpus_EdgesPointAtDownstreamServices()
    {
        var graph = CorpusGraph();

        Assert.Equal([1], graph[0].Edges.Select(e => e.ReferenceId));
        Assert.Equal([2, 3], graph[1].Edges.Select(e => e.ReferenceId));
        Assert.Empty(graph[2].Edges);
        Assert.Empty(graph[3].Edges);
    }

    [Fact]
    public void Build_Corpus_CountsTheEntryServiceOutcomes()
    {
        var api = CorpusGraph()[0];

        // A faulted, B and E succeeded, C was throttled; D is still in progress and not counted.
        Assert.Equal(Statistics(ok: 2, throttled: 1, otherErrors: 0, faults: 1, totalResponseTime: 4.35), api.SummaryStatistics);
        Assert.Equal(1717239600.0, api.StartTime);
        Assert.Equal(1717239642.5, api.EndTime);
        Assert.Equal(
            [new HistogramEntry(0.05, 1), new HistogramEntry(0.3, 1), new HistogramEntry(1.5, 1), new HistogramEntry(2.5, 1)],
            api.ResponseTimeHistogram);
        Assert.Equal(api.ResponseTimeHistogram, api.DurationHistogram);
    }

    [Fact]
    public void Build_Corpus_CountsEdgeOutcomesFromTheCalleeSegments()
    {
        var edge = Assert.Single(CorpusGraph()[0].Edges);

        Assert.Equal(Statistics(ok: 2, throttled: 0, otherErrors: 1, faults: 1, totalResponseTime: 4.46), edge.SummaryStatistics);
        Assert.Equal(1717239600.02, edge.StartTime);
        Assert.Equal(1717239642.2, edge.EndTime);
        Assert.Equal(
            [new HistogramEntry(0.2, 1), new HistogramEntry(0.8, 1), new HistogramEntry(1.46, 1), new HistogramEntry(2.0, 1)],
            edge.ResponseTimeHistogram);
    }

    [Fact]
    public void Build_Corpus_CountsInferredServicesFromTheCallingSubsegments()
    {
        var graph = CorpusGraph();

        var tableEdge = graph[1].Edges.Single(e => e.ReferenceId == 3);
        Assert.Equal(Statistics(ok: 2, throttled: 0, otherErrors: 1, faults: 0, totalResponseTime: 0.4), tableEdge.SummaryStatistics);
        Assert.Equal([new HistogramEntry(0.1, 2), new HistogramEntry(0.2, 1)], tableEdge.ResponseTimeHistogram);
        Assert.Equal(tableEdge.SummaryStatistics, graph[3].SummaryStatistics);
        Assert.Equal(Statistics(ok: 0, throttled: 0, otherErrors: 0, faults: 1, totalResponseTime: 1.0), graph[2].SummaryStatistics);
        Assert.Equal(Statistics(ok: 2, throttled: 0, otherErrors: 1, faults: 1, totalResponseTime: 4.46), graph[1].SummaryStatistics);
    }

    [Fact]
    public void Build_OneTrace_GivesItsTraceGraph()
    {
        var graph = ServiceGraph.Build([TraceCorpus.TraceC]);

        var api = Assert.Single(graph);
        Assert.True(api.Root);
        Assert.Empty(api.Edges);
        Assert.Equal(Statistics(ok: 0, throttled: 1, otherErrors: 0, faults: 0, totalResponseTime: 0.05), api.SummaryStatistics);
    }

    [Fact]
    public void Build_NoTraces_IsEmpty()
    {
        Assert.Empty(ServiceGraph.Build([]));
    }
}
