using Tracevault.Core.Traces.Graphs;

namespace Tracevault.Server.Console;

/// <summary>Where each service of a service graph is drawn: a layered layout, root services in the left column and each callee right of its callers.</summary>
public sealed class ServiceMapLayout
{
    /// <summary>A node's width, in SVG units.</summary>
    public const double NodeWidth = 240;

    /// <summary>A node's height, in SVG units.</summary>
    public const double NodeHeight = 78;

    /// <summary>The distance between the left edges of two columns.</summary>
    public const double ColumnPitch = NodeWidth + 200;

    /// <summary>The distance between the top edges of two rows.</summary>
    public const double RowPitch = NodeHeight + 42;

    /// <summary>The space around the drawing.</summary>
    public const double Margin = 70;

    private readonly Dictionary<int, (double X, double Y)> _positions;

    private ServiceMapLayout(Dictionary<int, (double X, double Y)> positions, double width, double height)
    {
        _positions = positions;
        Width = width;
        Height = height;
    }

    /// <summary>The drawing's width.</summary>
    public double Width { get; }

    /// <summary>The drawing's height.</summary>
    public double Height { get; }

    /// <summary>The top-left corner of a node's box.</summary>
    public (double X, double Y) Position(int referenceId) => _positions[referenceId];

    /// <summary>
    /// Lays out the nodes: each node's column is the longest call path to it from a root (its call depth); in a column, rows follow
    /// the mean row of the node's callers to the left, then the name, so calls seldom cross. The client
    /// node, when there is one, has the first column to itself, the root services it calls the next.
    /// </summary>
    public static ServiceMapLayout Arrange(IReadOnlyList<ServiceGraphNode> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        var client = all.FirstOrDefault(n => n.Client);
        var nodes = client is null ? all : [.. all.Where(n => !n.Client)];
        var called = nodes.SelectMany(n => n.Edges.Where(e => e.ReferenceId != n.ReferenceId).Select(e => e.ReferenceId)).ToHashSet();
        var anchored = nodes.Where(n => n.Root || !called.Contains(n.ReferenceId)).Select(n => n.ReferenceId).ToHashSet();
        var layer = nodes.ToDictionary(n => n.ReferenceId, _ => 0);

        // Longest path by relaxation; at most one pass per node, so a cycle cannot push a node further than the graph is long.
        for (var pass = 0; pass < nodes.Count; pass++)
        {
            var changed = false;
            foreach (var node in nodes)
            {
                foreach (var edge in node.Edges)
                {
                    if (edge.ReferenceId == node.ReferenceId || anchored.Contains(edge.ReferenceId) || !layer.ContainsKey(edge.ReferenceId))
                    {
                        continue;
                    }

                    var wanted = Math.Min(layer[node.ReferenceId] + 1, nodes.Count - 1);
                    if (layer[edge.ReferenceId] < wanted)
                    {
                        layer[edge.ReferenceId] = wanted;
                        changed = true;
                    }
                }
            }

            if (!changed)
            {
                break;
            }
        }

        var positions = new Dictionary<int, (double X, double Y)>();
        var first = 0;
        var rows = 0;
        if (client is not null)
        {
            positions[client.ReferenceId] = (Margin, Margin);
            (first, rows) = (1, 1);
        }

        // Column by column from the left, each node's row follows the mean row of its callers in the columns before (the first
        // column, and nodes without such callers, by name): a callee sits beside its callers, so calls seldom cross.
        var callers = nodes.SelectMany(n => n.Edges.Where(e => e.ReferenceId != n.ReferenceId).Select(e => (Caller: n.ReferenceId, Callee: e.ReferenceId)))
            .ToLookup(c => c.Callee, c => c.Caller);
        var rowOf = new Dictionary<int, int>();
        var columns = first;
        foreach (var column in nodes.GroupBy(n => layer[n.ReferenceId] + first).OrderBy(g => g.Key))
        {
            var row = 0;
            var ordered = column
                .Select(n => (Node: n, Rows: callers[n.ReferenceId].Where(rowOf.ContainsKey).Select(c => rowOf[c]).ToList()))
                .OrderBy(n => n.Rows.Count == 0 ? double.MaxValue : n.Rows.Average())
                .ThenBy(n => n.Node.Service.Name, StringComparer.Ordinal)
                .ThenBy(n => n.Node.ReferenceId)
                .Select(n => n.Node)
                .ToList();
            foreach (var node in ordered)
            {
                positions[node.ReferenceId] = (Margin + column.Key * ColumnPitch, Margin + row * RowPitch);
                rowOf[node.ReferenceId] = row;
                row++;
            }

            rows = Math.Max(rows, row);
            columns = Math.Max(columns, column.Key + 1);
        }

        var width = (2 * Margin) + (Math.Max(columns, 1) * ColumnPitch) - (ColumnPitch - NodeWidth);
        var height = (2 * Margin) + (Math.Max(rows, 1) * RowPitch) - (RowPitch - NodeHeight);
        return new ServiceMapLayout(positions, width, height);
    }
}
