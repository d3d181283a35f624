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
                "0 client client",
                "1 api AWS::ApiGateway::Stage root",
                "2 orders AWS::EC2::Instance",
                "3 orders-table AWS::DynamoDB::Table inferred",
                "4 payments.example.com remote inferred",
            ],
            graph.Select(n => $"{n.ReferenceId} {n.Service.Name} {n.Service.Type}{(n.Root ? " root" : "")}{(n.Inferred ? " inferred" : "")}"));
        Assert.All(graph.Skip(1), n => Assert.Equal("active", n.State));
        Assert.Equal("123456789012", graph[1].Service.AccountId);
    }

    [Fact]
    public void Build_Corpus_EdgesPointAtDownstreamServices()
    {
        var graph = CorpusGraph();

        Assert.Equal([1], graph[0].Edges.Select(e => e.ReferenceId));
        Assert.Equal([2], graph[1].Edges.Select(e => e.ReferenceId));
        Assert.Equal([3, 4], graph[2].Edges.Select(e => e.ReferenceId));
        Assert.Empty(graph[3].Edges);
        Assert.Empty(graph[4].Edges);
    }

    [Fact]
    public void Build_Corpus_CountsTheEntryServiceOutcomes()
    {
        var api = CorpusGraph()[1];

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
        var edge = Assert.Single(CorpusGraph()[1].Edges);

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

        var tableEdge = graph[2].Edges.Single(e => e.ReferenceId == 3);
        Assert.Equal(Statistics(ok: 2, throttled: 0, otherErrors: 1, faults: 0, totalResponseTime: 0.4), tableEdge.SummaryStatistics);
        Assert.Equal([new HistogramEntry(0.1, 2), new HistogramEntry(0.2, 1)], tableEdge.ResponseTimeHistogram);
        Assert.Equal(tableEdge.SummaryStatistics, graph[3].SummaryStatistics);
        Assert.Equal(Statistics(ok: 0, throttled: 0, otherErrors: 0, faults: 1, totalResponseTime: 1.0), graph[4].SummaryStatistics);
        Assert.Equal(Statistics(ok: 2, throttled: 0, otherErrors: 1, faults: 1, totalResponseTime: 4.46), graph[2].SummaryStatistics);
    }

    [Fact]
    public void Build_OneTrace_GivesItsTraceGraph()
    {
        var graph = ServiceGraph.Build([TraceCorpus.TraceC]);

        var api = Assert.Single(graph, n => !n.Client);
        Assert.True(api.Root);
        Assert.Equal([api.ReferenceId], graph[0].Edges.Select(e => e.ReferenceId));
        Assert.Empty(api.Edges);
        Assert.Equal(Statistics(ok: 0, throttled: 1, otherErrors: 0, faults: 0, totalResponseTime: 0.05), api.SummaryStatistics);
    }

    [Fact]
    public void Build_Corpus_StartsWithTheClientNodeCarryingTheEntryRequests()
    {
        var graph = CorpusGraph();

        var client = graph[0];
        Assert.True(client.Client);
        Assert.Equal(0, client.ReferenceId);
        Assert.Equal("unknown", client.State);
        Assert.False(client.Root);
        Assert.All(graph.Skip(1), n => Assert.False(n.Client));
        var edge = Assert.Single(client.Edges);
        Assert.Equal(1, edge.ReferenceId);

        // Every request to "api" came from a client: A faulted, B and E succeeded, C was throttled; D is in progress.
        Assert.Equal(Statistics(ok: 2, throttled: 1, otherErrors: 0, faults: 1, totalResponseTime: 4.35), edge.SummaryStatistics);
        Assert.Equal(graph[1].ResponseTimeHistogram, edge.ResponseTimeHistogram);
        Assert.Equal((1717239600.0, 1717239642.5), (edge.StartTime, edge.EndTime));
        Assert.Equal((edge.StartTime, edge.EndTime), (client.StartTime, client.EndTime));
        Assert.Equal(edge.SummaryStatistics, client.SummaryStatistics);
    }

    [Fact]
    public void Build_ServiceBothEntryPointAndCalled_ClientEdgeCountsOnlyItsEntryRequests()
    {
        // "orders" is the entry point of one trace and called by "api" in A, B, D and E.
        var direct = TraceCorpus.Assemble("1-665aff30-0000000000000000000000ff", [
            """{"name":"orders","id":"0f00000000000001","trace_id":"1-665aff30-0000000000000000000000ff","start_time":1717239650,"end_time":1717239650.5,"origin":"AWS::EC2::Instance","aws":{"account_id":"123456789012"},"http":{"response":{"status":404}}}""",
        ]);

        var graph = ServiceGraph.Build([.. TraceCorpus.All().Values, direct]);

        var orders = graph.Single(n => n.Service.Name == "orders");
        Assert.True(orders.Root);
        var toOrders = graph[0].Edges.Single(e => e.ReferenceId == orders.ReferenceId);
        Assert.Equal(Statistics(ok: 0, throttled: 0, otherErrors: 1, faults: 0, totalResponseTime: 0.5), toOrders.SummaryStatistics);
        Assert.Equal([1, orders.ReferenceId], graph[0].Edges.Select(e => e.ReferenceId));
    }

    [Fact]
    public void Build_NoTraces_IsEmpty()
    {
        Assert.Empty(ServiceGraph.Build([]));
    }
}
