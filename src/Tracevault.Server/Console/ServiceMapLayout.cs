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

    /// <summary>The most services a column holds one under another; a column of more wraps into two staggered sub-columns.</summary>
    public const int MaxColumnRows = 12;

    /// <summary>The distance between the top edges of two services following each other in a wrapped column (alternately in its two sub-columns).</summary>
    /// <remarks>Half of it plus half a node's height leaves a call into (or out of) a service of one sub-column a gap of 11 units either side as it passes between the boxes of the other.</remarks>
    public const double WrappedRowPitch = 50;

    /// <summary>The distance between the left edges of a wrapped column's two sub-columns.</summary>
    public const double SubColumnPitch = NodeWidth + 40;

    /// <summary>The room left of a wrapped column where the calls into it run straight, labelled, before they pass between its boxes.</summary>
    public const double LabelRoom = 230;

    private readonly Dictionary<int, (double X, double Y)> _positions;
    private readonly Dictionary<int, (double Entry, double Exit, bool Wrapped)> _columns;

    private ServiceMapLayout(Dictionary<int, (double X, double Y)> positions, Dictionary<int, (double Entry, double Exit, bool Wrapped)> columns, double width, double height)
    {
        _positions = positions;
        _columns = columns;
        Width = width;
        Height = height;
    }

    /// <summary>The drawing's width.</summary>
    public double Width { get; }

    /// <summary>The drawing's height.</summary>
    public double Height { get; }

    /// <summary>The top-left corner of a node's box.</summary>
    public (double X, double Y) Position(int referenceId) => _positions[referenceId];

    /// <summary>Where the calls into a node's column end their curve (and, in a wrapped column, run straight on to the node), and where the calls out of it start theirs; a node's own left and right edges when its column is not wrapped.</summary>
    public (double Entry, double Exit) Column(int referenceId) => (_columns[referenceId].Entry, _columns[referenceId].Exit);

    /// <summary>Whether a node's column holds more than <see cref="MaxColumnRows"/> services and is wrapped into two sub-columns.</summary>
    public bool Wrapped(int referenceId) => _columns[referenceId].Wrapped;

    /// <summary>
    /// Lays out the nodes: each node's column is the longest call path to it from a root (its call depth); in a column, services
    /// follow the mean height of their callers to the left, then the name, so calls seldom cross. A column of more than
    /// <see cref="MaxColumnRows"/> services is wrapped: its services alternate between two sub-columns,
    /// <see cref="WrappedRowPitch"/> apart, so the calls into each pass between the boxes of the other and still arrive in order.
    /// The client node, when there is one, has the first column to itself, the root services it calls the next.
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
        var columns = new Dictionary<int, (double Entry, double Exit, bool Wrapped)>();
        var left = Margin;
        var bottom = Margin + NodeHeight;
        if (client is not null)
        {
            positions[client.ReferenceId] = (Margin, Margin);
            columns[client.ReferenceId] = (Margin, Margin + NodeWidth, false);
            left += ColumnPitch;
        }

        // Column by column from the left, each node follows the mean height of its callers in the columns before (the first
        // column, and nodes without such callers, by name): a callee sits beside its callers, so calls seldom cross.
        var callers = nodes.SelectMany(n => n.Edges.Where(e => e.ReferenceId != n.ReferenceId).Select(e => (Caller: n.ReferenceId, Callee: e.ReferenceId)))
            .ToLookup(c => c.Callee, c => c.Caller);
        var heightOf = new Dictionary<int, double>();
        foreach (var column in nodes.GroupBy(n => layer[n.ReferenceId]).OrderBy(g => g.Key))
        {
            var ordered = column
                .Select(n => (Node: n, Heights: callers[n.ReferenceId].Where(heightOf.ContainsKey).Select(c => heightOf[c]).ToList()))
                .OrderBy(n => n.Heights.Count == 0 ? double.MaxValue : n.Heights.Average())
                .ThenBy(n => n.Node.Service.Name, StringComparer.Ordinal)
                .ThenBy(n => n.Node.ReferenceId)
                .Select(n => n.Node)
                .ToList();
            var wrapped = ordered.Count > MaxColumnRows;
            var entry = left;
            var boxes = wrapped ? left + LabelRoom : left;
            var exit = boxes + (wrapped ? SubColumnPitch : 0) + NodeWidth;
            for (var i = 0; i < ordered.Count; i++)
            {
                var position = wrapped
                    ? (boxes + ((i % 2) * SubColumnPitch), Margin + (i * WrappedRowPitch))
                    : (boxes, Margin + (i * RowPitch));
                positions[ordered[i].ReferenceId] = position;
                columns[ordered[i].ReferenceId] = (entry, exit, wrapped);
                heightOf[ordered[i].ReferenceId] = position.Item2;
                bottom = Math.Max(bottom, position.Item2 + NodeHeight);
            }

            left = exit + (ColumnPitch - NodeWidth);
        }

        var width = left - (ColumnPitch - NodeWidth) + Margin;
        var height = bottom + Margin;
        return new ServiceMapLayout(positions, columns, Math.Max(width, (2 * Margin) + NodeWidth), height);
    }
}
