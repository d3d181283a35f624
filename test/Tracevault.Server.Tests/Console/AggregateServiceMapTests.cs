using System.Text;
using Tracevault.Core.Traces.Statistics;
using Tracevault.Server.Console;

namespace Tracevault.Server.Tests.Console;

public sealed class AggregateServiceMapTests
{
    private const string TraceId = "1-665a8f00-0b0b0b0b0b0b0b0b0b0b0b0b";

    private const string Api = $$$$"""
        {"name":"api","id":"0b00000000000001","trace_id":"{{{{TraceId}}}}","start_time":1717239610.0,"end_time":1717239610.3,
         "http":{"request":{"method":"GET","url":"https://api.example.com/health"},"response":{"status":200}},
         "subsegments":[{"name":"orders","id":"0b00000000000002","namespace":"remote","start_time":1717239610.04,"end_time":1717239610.26}]}
        """;

    private const string Orders = $$$$"""
        {"name":"orders","id":"0b00000000000003","parent_id":"0b00000000000002","trace_id":"{{{{TraceId}}}}","start_time":1717239610.05,"end_time":1717239610.25,
         "http":{"request":{"method":"GET","url":"http://orders.internal/health"},"response":{"status":200}}}
        """;

    [Fact]
    public void Build_CallerInAnotherBatch_CountsOneEntryRequest()
    {
        // The two segments of one trace tallied in two ingest batches, as segments sent by two hosts arrive.
        var first = Tally(Api);
        var second = Tally(Orders);

        var map = AggregateServiceMap.Build([.. first, .. second]);

        Assert.Equal(1, map.Entries.Total);
        Assert.Equal(["api"], map.EntriesByService.Keys.Select(s => s.Name));
        var client = Assert.Single(map.Nodes, n => n.Client);
        Assert.Single(client.Edges);
        Assert.DoesNotContain(map.Nodes, n => n.Service.Equals(StatisticsEntity.UnlinkedCaller));
        Assert.Contains(map.Nodes, n => n.Service.Name == "orders" && n.SummaryStatistics.TotalCount == 1);
    }

    [Fact]
    public void Build_OneBatch_CountsTheSameAsTwo()
    {
        var map = AggregateServiceMap.Build(Tally(Api, Orders));

        Assert.Equal(1, map.Entries.Total);
        Assert.Equal(["api"], map.EntriesByService.Keys.Select(s => s.Name));
    }

    [Fact]
    public void AllEdges_LeavesOutTheUnlinkedCaller()
    {
        var minute = Assert.Single(Tally(Orders), m => m.Entities.Count > 0);

        Assert.Contains(minute.Entities.Keys, e => e.IsUnlinked);
        Assert.DoesNotContain(minute.Entities.Keys, e => EntitySelector.AllEdges.Matches(e));
    }

    private static IReadOnlyList<MinuteStatistics> Tally(params string[] documents)
    {
        var collector = new StatisticsCollector();
        collector.AddDocuments(documents.Select(d => (TraceId, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(d))));
        return [.. collector.Minutes];
    }
}
