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
        // Each call goes one column right (the 42 leaves wrap: more than a column holds).
        Assert.All(nodes.SelectMany(n => n.Edges.Select(e => (n.ReferenceId, e.ReferenceId))), c => Assert.Equal(layout.Column(c.Item1).Exit + ServiceMapLayout.ColumnPitch - ServiceMapLayout.NodeWidth, layout.Column(c.Item2).Entry));
        Assert.True(layout.Wrapped(8));
        var crossings = calls.SelectMany(a => calls.Where(b => a.From.X == b.From.X && (a.From.Y - b.From.Y) * (a.To.Y - b.To.Y) < 0)).Count() / 2;
        Assert.Equal(0, crossings);
        AssertBoxesApart(nodes, layout);
        AssertStraightRunsClear(nodes, layout);
    }

    [Fact]
    public void Arrange_WideFanOut_WrapsTheColumnIntoAReasonableHeight()
    {
        // Clients call gateway, which calls 49 services: a column of 49 drawn one under another would be about 6,000 units tall.
        const int fanOut = 49;
        var client = Node(0, "client", root: false, 1) with { Client = true, State = "unknown" };
        var nodes = new List<ServiceGraphNode> { client, Node(1, "gateway", root: true, [.. Enumerable.Range(2, fanOut)]) };
        nodes.AddRange(Enumerable.Range(2, fanOut).Select(i => Node(i, $"service-{(i * 17) % fanOut:00}", root: false)));

        var layout = ServiceMapLayout.Arrange(nodes);

        var unwrapped = (2 * ServiceMapLayout.Margin) + (fanOut * ServiceMapLayout.RowPitch) - (ServiceMapLayout.RowPitch - ServiceMapLayout.NodeHeight);
        Assert.InRange(layout.Height, 0, 2700);
        Assert.True(layout.Height < unwrapped / 2, $"height {layout.Height} against {unwrapped} unwrapped");
        Assert.All(nodes.Skip(2), n => Assert.True(layout.Wrapped(n.ReferenceId)));
        Assert.False(layout.Wrapped(1));
        Assert.Equal(2, nodes.Skip(2).Select(n => layout.Position(n.ReferenceId).X).Distinct().Count());
        Assert.All(nodes.Skip(2), n => Assert.InRange(layout.Position(n.ReferenceId).X + ServiceMapLayout.NodeWidth, 0, layout.Width - ServiceMapLayout.Margin));
        Assert.All(nodes.Skip(2), n => Assert.InRange(layout.Position(n.ReferenceId).Y + ServiceMapLayout.NodeHeight, 0, layout.Height - ServiceMapLayout.Margin));
        AssertBoxesApart(nodes, layout);
        AssertStraightRunsClear(nodes, layout);

        // The calls arrive in the order of their services (none crosses another), and their labels, on the straight runs, stay apart.
        var arrivals = nodes[1].Edges.Select(e => layout.Position(e.ReferenceId).Y).ToList();
        Assert.Equal(fanOut, arrivals.Distinct().Count());
        var html = ServiceMapPage.RenderMap(nodes).Markup;
        var labels = System.Text.RegularExpressions.Regex.Matches(html, "<text class=\"edge-label\" x=\"([0-9.]+)\" y=\"([0-9.]+)\"")
            .Select(m => (X: double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), Y: double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(fanOut + 1, labels.Count);
        var overlapping = labels.SelectMany((a, i) => labels.Skip(i + 1).Where(b => Math.Abs(a.X - b.X) < 220 && Math.Abs(a.Y - b.Y) < 30)).Count();
        Assert.Equal(0, overlapping);
    }

    [Fact]
    public void RenderMap_EncodesServiceNames()
    {
        var html = ServiceMapPage.RenderMap([Node(0, "api\"><script>x</script>", root: true, 1), Node(1, "db", root: false)]).Markup;

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.Contains("data-from=\"api&quot;&gt;&lt;script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("data-to=\"db\"", html, StringComparison.Ordinal);
    }

    /// <summary>No two boxes overlap or touch: each has at least 10 units of space around it.</summary>
    private static void AssertBoxesApart(List<ServiceGraphNode> nodes, ServiceMapLayout layout)
    {
        var boxes = nodes.Select(n => layout.Position(n.ReferenceId)).ToList();
        for (var i = 0; i < boxes.Count; i++)
        {
            for (var j = i + 1; j < boxes.Count; j++)
            {
                var apart = Math.Abs(boxes[i].X - boxes[j].X) >= ServiceMapLayout.NodeWidth + 10 || Math.Abs(boxes[i].Y - boxes[j].Y) >= ServiceMapLayout.NodeHeight + 10;
                Assert.True(apart, $"{nodes[i].Service.Name} at {boxes[i]} and {nodes[j].Service.Name} at {boxes[j]} overlap");
            }
        }
    }

    /// <summary>The straight runs of calls through a wrapped column (into a service, or out of one to the column's right side) pass at least 10 units from every other box.</summary>
    private static void AssertStraightRunsClear(List<ServiceGraphNode> nodes, ServiceMapLayout layout)
    {
        var runs = new List<(int Node, double From, double To, double Y)>();
        foreach (var node in nodes)
        {
            var (x, y) = layout.Position(node.ReferenceId);
            var (entry, exit) = layout.Column(node.ReferenceId);
            runs.Add((node.ReferenceId, entry, x, y + (ServiceMapLayout.NodeHeight / 2)));
            runs.Add((node.ReferenceId, x + ServiceMapLayout.NodeWidth, exit, y + (ServiceMapLayout.NodeHeight / 2)));
        }

        foreach (var run in runs.Where(r => r.To > r.From))
        {
            foreach (var other in nodes.Where(n => n.ReferenceId != run.Node))
            {
                var (x, y) = layout.Position(other.ReferenceId);
                if (x < run.To && x + ServiceMapLayout.NodeWidth > run.From)
                {
                    Assert.True(run.Y <= y - 10 || run.Y >= y + ServiceMapLayout.NodeHeight + 10, $"the run at {run.Y} to {run.Node} passes over {other.Service.Name} at {(x, y)}");
                }
            }
        }
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
