using Tracevault.Core.Traces.Filters;

namespace Tracevault.Core.Traces.Statistics;

/// <summary>
/// Which entities statistics are merged over: <c>service("name")</c> or <c>id(name: "…", type: "…")</c> picks services,
/// <c>edge(a, b)</c> edges, as in filter expressions; <see cref="AllEdges"/> (no selector) every edge.
/// </summary>
public sealed class EntitySelector
{
    private readonly ServiceSelector? _source;
    private readonly ServiceSelector? _destination;
    private readonly bool _edges;

    private EntitySelector(ServiceSelector? source, ServiceSelector? destination, bool edges, string text)
    {
        _source = source;
        _destination = destination;
        _edges = edges;
        Text = text;
    }

    /// <summary>Every edge, what X-Ray answers when no selector is given.</summary>
    public static EntitySelector AllEdges { get; } = new(null, null, edges: true, string.Empty);

    /// <summary>Whether it picks edges (otherwise services).</summary>
    public bool PicksEdges => _edges;

    /// <summary>The selector as given.</summary>
    public string Text { get; }

    /// <summary>Parses a selector; throws <see cref="FilterExpressionException"/> for anything but one service, edge or id function.</summary>
    public static EntitySelector Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var source = FilterParser.ParseEntitySelector(text, out var destination);
        return new EntitySelector(source, destination, destination is not null, text);
    }

    /// <summary>Whether the entity is one the selector picks.</summary>
    public bool Matches(StatisticsEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        if (entity.IsEdge != _edges || entity.IsUnlinked)
        {
            return false;
        }

        return (_source is null || _source.Matches(entity.Service))
            && (_destination is null || _destination.Matches(entity.Callee!));
    }
}
