using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Nodes;

/// <summary>Several Tracevault nodes in one test process over one store: independent servers (own repositories, caches, key service and node id) on one data directory.</summary>
/// <remarks>
/// The data directory is the first node's; the others open the same SQLite file as a second node opens a shared database.
/// Disposing stops every node still running, the first last, which removes the directory.
/// </remarks>
public sealed class NodeGroup : IAsyncDisposable
{
    private readonly List<TestServer> _nodes = [];
    private readonly HashSet<TestServer> _stopped = [];

    private NodeGroup()
    {
    }

    /// <summary>The node at <paramref name="index"/>, in the order they started.</summary>
    public TestServer this[int index] => _nodes[index];

    /// <summary>Starts <paramref name="count"/> nodes on one fresh data directory, on <paramref name="time"/>.</summary>
    public static async Task<NodeGroup> StartAsync(int count, TimeProvider? time = null)
    {
        var group = new NodeGroup();
        try
        {
            for (var i = 0; i < count; i++)
            {
                await group.AddAsync(time);
            }
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }

        return group;
    }

    /// <summary>Starts one more node on the group's store (its options changed by <paramref name="configure"/>) and returns it.</summary>
    public async Task<TestServer> AddAsync(TimeProvider? time = null, Action<Hosting.ServerOptions>? configure = null)
    {
        var node = await TestServer.StartAsync(time, dataDirectory: _nodes.Count == 0 ? null : _nodes[0].DataDirectory, configure: configure);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Stops one node (it stops heartbeating, as a node that died); the store and the other nodes stay.</summary>
    public async Task StopAsync(TestServer node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (_stopped.Add(node))
        {
            await node.Server.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        for (var i = _nodes.Count - 1; i > 0; i--)
        {
            await StopAsync(_nodes[i]);
        }

        if (_nodes.Count > 0)
        {
            if (_stopped.Contains(_nodes[0]))
            {
                Directory.Delete(_nodes[0].DataDirectory, recursive: true);
            }
            else
            {
                await _nodes[0].DisposeAsync();
            }
        }
    }
}
