using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Graphs;
using Tracevault.Server.Console;

namespace Tracevault.Server.Tests.Console;

public sealed class ServiceMapLayoutTests
{
    [Fact]
    public void Arrange_Chain_PutsEachCalleeRightOfItsCallers()
    {
        // api → orders → db, and api → db directly: db goes right of orders (the longest path), not beside it.
        var nodes = new[] { Node(0, "api", root: true, 1, 2), Node(1, "orders", root: false, 2), Node(2, "db", root: false) };
        var layout = ServiceMapLayout.Arrange(nodes);

        Assert.True(layout.Position(0).X < layout.Position(1).X);
        Assert.True(layout.Position(1).X < layout.Position(2).X);
        Assert.Equal(layout.Position(0).Y, layout.Position(2).Y);
        Assert.True(layout.Width >= layout.Position(2).X + ServiceMapLayout.NodeWidth);
    }

    [Fact]
    public void Arrange_CycleAndSelfCall_EndsWithEveryNodePlaced()
    {
        var nodes = new[] { Node(0, "a", root: false, 1), Node(1, "b", root: false, 0, 1) };
        var layout = ServiceMapLayout.Arrange(nodes);

        Assert.NotEqual(layout.Position(0), layout.Position(1));
        Assert.InRange(layout.Position(1).X, 0, layout.Width);
    }

    [Fact]
    public void Arrange_ClientNode_HasTheFirstColumnAndTheRootServicesTheNext()
    {
        var client = Node(0, "client", root: false, 1) with { Client = true, State = "unknown" };
        var nodes = new[] { client, Node(1, "api", root: true, 2), Node(2, "db", root: false) };

        var layout = ServiceMapLayout.Arrange(nodes);
        var html = ServiceMapPage.RenderMap(nodes).Markup;

        Assert.True(layout.Position(0).X < layout.Position(1).X);
        Assert.True(layout.Position(1).X < layout.Position(2).X);
        Assert.Contains("id=\"client-node\"", html, StringComparison.Ordinal);
        Assert.Contains("data-from=\"client\" data-to=\"api\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderMap_EncodesServiceNames()
    {
        var html = ServiceMapPage.RenderMap([Node(0, "api\"><script>x</script>", root: true, 1), Node(1, "db", root: false)]).Markup;

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("data-from=\"api&quot;&gt;&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("data-to=\"db\"", html, StringComparison.Ordinal);
    }

    private static ServiceGraphNode Node(int id, string name, bool root, params int[] callees)
    {
        var stats = new RequestStatistics(1, new ErrorStatistics(0, 0, 0), new FaultStatistics(0, 0), 1, 0.1);
        return new ServiceGraphNode
        {
            ReferenceId = id,
            Service = new ServiceId(name, null, null),
            Root = root,
            Inferred = false,
            StartTime = 0,
            EndTime = 1,
            Edges = [.. callees.Select(c => new ServiceGraphEdge(c, 0, 1, stats, []))],
            SummaryStatistics = stats,
            DurationHistogram = [],
            ResponseTimeHistogram = [],
        };
    }
}
