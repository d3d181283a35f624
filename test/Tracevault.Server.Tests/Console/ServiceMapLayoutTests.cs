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
    public void Arrange_FiftyServices_LayersByCallDepthWithoutCrossingCalls()
    {
        // gateway calls 7 services, each of which calls 6 of its own; the leaves' names interleave their callers (leaf-0-a, leaf-0-b, …),
        // so ordering a column by name alone would cross the calls.
        var nodes = new List<ServiceGraphNode> { Node(0, "gateway", root: true, [.. Enumerable.Range(1, 7)]) };
        for (var m = 0; m < 7; m++)
        {
            nodes.Add(Node(1 + m, "mid-" + (char)('g' - m), root: false, [.. Enumerable.Range(0, 6).Select(l => 8 + (m * 6) + l)]));
        }

        for (var m = 0; m < 7; m++)
        {
            for (var l = 0; l < 6; l++)
            {
                nodes.Add(Node(8 + (m * 6) + l, $"leaf-{l}-{(char)('a' + m)}", root: false));
            }
        }

        var layout = ServiceMapLayout.Arrange(nodes);

        Assert.Equal(50, nodes.Count);
        Assert.Equal(50, nodes.Select(n => layout.Position(n.ReferenceId)).Distinct().Count());
        var calls = nodes.SelectMany(n => n.Edges.Select(e => (From: layout.Position(n.ReferenceId), To: layout.Position(e.ReferenceId)))).ToList();
        Assert.All(calls, c => Assert.Equal(ServiceMapLayout.ColumnPitch, c.To.X - c.From.X));
        var crossings = calls.SelectMany(a => calls.Where(b => a.From.X == b.From.X && (a.From.Y - b.From.Y) * (a.To.Y - b.To.Y) < 0)).Count() / 2;
        Assert.Equal(0, crossings);
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
