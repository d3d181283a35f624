using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.Postgres;

/// <summary>Several real <c>tracevault serve --postgres</c> processes on one fresh PostgreSQL database, each with a directory of its own holding a copy of the first node's root key.</summary>
/// <remarks>Disposing kills every node still running (and continues any stopped one first) and removes their directories.</remarks>
public sealed class PostgresNodeSet : IAsyncDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("tracevault-pgnodes-").FullName;
    private readonly List<ServerProcess> _nodes = [];
    private readonly List<string> _nodeIds = [];

    private PostgresNodeSet(NpgsqlConnectionStringBuilder database) => Database = database;

    /// <summary>The database every node shares.</summary>
    public NpgsqlConnectionStringBuilder Database { get; }

    /// <summary>The admin's access key id (from the first node's credentials file).</summary>
    public string AccessKeyId { get; private set; } = "";

    /// <summary>The admin's secret access key.</summary>
    public string Secret { get; private set; } = "";

    /// <summary>The node at <paramref name="index"/>, in the order they started.</summary>
    public ServerProcess this[int index] => _nodes[index];

    /// <summary>How many nodes were started.</summary>
    public int Count => _nodes.Count;

    /// <summary>The node id (as in the <c>nodes</c> table) of the node at <paramref name="index"/>.</summary>
    public string NodeId(int index) => _nodeIds[index];

    /// <summary>Starts <paramref name="count"/> nodes, one after another, on a fresh database: the first initializes it, the others join with a copy of its root key.</summary>
    public static async Task<PostgresNodeSet> StartAsync(int count)
    {
        var set = new PostgresNodeSet(PostgresCluster.Shared.CreateDatabase());
        try
        {
            for (var i = 0; i < count; i++)
            {
                await set.AddAsync();
            }
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }

        return set;
    }

    /// <summary>Signals a node's process with <paramref name="signal"/> (<c>STOP</c>, <c>CONT</c>) through <c>kill</c>.</summary>
    public async Task SignalAsync(int index, string signal)
    {
        var sent = await ProcessRunner.RunAsync("kill", ["-" + signal, _nodes[index].ProcessId.ToString(CultureInfo.InvariantCulture)], RepositoryPaths.Root);
        Assert.True(sent.ExitCode == 0, $"kill -{signal} failed:\n{sent.Output}");
    }

    /// <summary>How long ago, in the database's clock, the node at <paramref name="index"/> last reported itself alive.</summary>
    public TimeSpan SilentFor(int index) =>
        TimeSpan.FromMilliseconds(Scalar<long>("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint - last_seen FROM nodes WHERE node_id = $1", _nodeIds[index]));

    /// <summary>The node ids that acknowledged version <paramref name="version"/> of the account's encryption setting.</summary>
    public IReadOnlySet<string> AcknowledgedBy(int version)
    {
        using var connection = new NpgsqlConnection(Database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT node_id FROM encryption_acks WHERE version = $1", connection) { Parameters = { new() { Value = version } } };
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            try
            {
                // A stopped process cannot take SIGKILL's exit until continued on every kernel; continuing one that runs is harmless.
                await ProcessRunner.RunAsync("kill", ["-CONT", node.ProcessId.ToString(CultureInfo.InvariantCulture)], RepositoryPaths.Root);
            }
            catch (InvalidOperationException)
            {
            }

            await node.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    private async Task AddAsync()
    {
        var data = Path.Combine(_root, "node" + (_nodes.Count + 1).ToString(CultureInfo.InvariantCulture));
        if (_nodes.Count > 0)
        {
            Directory.CreateDirectory(data);
            File.Copy(Path.Combine(_root, "node1", "root.key"), Path.Combine(data, "root.key"));
        }

        var known = Ids();
        var port = ServerProcess.FreePort();
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = RepositoryPaths.Root };
        foreach (var argument in new[] { ServerProcess.TracevaultDll, "serve", "--data", data, "--postgres", Database.ConnectionString, "--listen", $"127.0.0.1:{port}", "--otlp-http", "off", "--otlp-grpc", "off" })
        {
            start.ArgumentList.Add(argument);
        }

        var node = await ServerProcess.StartAsync(start, port);
        _nodes.Add(node);
        if (_nodes.Count == 1)
        {
            (AccessKeyId, Secret) = DataDirectoryFiles.AdminCredentials(data);
        }

        // The node reports itself alive in its first propagation round; the one new id is its own.
        var ids = await Eventually.WaitAsync($"node {_nodes.Count} reports itself alive", () => Task.FromResult(Ids()), found => found.Count > known.Count, describe: found => string.Join(", ", found));
        _nodeIds.Add(Assert.Single(ids.Except(known)));
    }

    private HashSet<string> Ids()
    {
        using var connection = new NpgsqlConnection(Database.ConnectionString);
        connection.Open();
        using var exists = new NpgsqlCommand("SELECT to_regclass('public.nodes') IS NOT NULL", connection);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (!(bool)exists.ExecuteScalar()!)
        {
            return ids;
        }

        using var command = new NpgsqlCommand("SELECT node_id FROM nodes", connection);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private T Scalar<T>(string sql, string parameter)
    {
        using var connection = new NpgsqlConnection(Database.ConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = parameter } } };
        return (T)command.ExecuteScalar()!;
    }
}
