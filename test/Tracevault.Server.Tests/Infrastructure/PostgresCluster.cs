using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>
/// A private PostgreSQL cluster for the tests: made with the installed server's <c>initdb</c> in a temporary directory, on a
/// free loopback port, started once per test process and stopped when it exits. Each test takes a database of its own.
/// </summary>
/// <remarks>
/// <see cref="Shared"/> serves every test of the process at once, so no test may stop it: a test that stops, kills or fails over
/// its database takes a cluster of its own with <see cref="StartPrivate"/> (and a streaming standby of it with
/// <see cref="StartStandby"/>), and disposes it at the end.
/// </remarks>
/// <remarks>
/// Run as root, the cluster belongs to the <c>postgres</c> user (PostgreSQL refuses to run as root). PostgreSQL is required,
/// not optional: <c>test.sh</c> installs it from apt, and its absence fails the test with what to install.
/// </remarks>
public sealed class PostgresCluster : IDisposable
{
    private static readonly Lazy<PostgresCluster> SharedCluster = new(StartShared, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int _databases;

    private readonly string _binaries;
    private readonly bool _asPostgresUser;
    private readonly Lock _gate = new();
    private int _disposed;

    /// <summary>Makes a cluster with <c>initdb</c>, or as a streaming standby of <paramref name="primary"/> with <c>pg_basebackup -R</c>, and starts it.</summary>
    private PostgresCluster(PostgresCluster? primary)
    {
        _binaries = FindBinaries();
        _asPostgresUser = Environment.UserName == "root";
        Root = Directory.CreateTempSubdirectory("tracevault-pg-").FullName;
        DataPath = Path.Combine(Root, "data");
        SocketPath = Path.Combine(Root, "socket");
        Directory.CreateDirectory(SocketPath);
        if (_asPostgresUser)
        {
            Run("chown", ["-R", "postgres:postgres", Root], asPostgres: false);
        }

        if (primary is null)
        {
            Run(Path.Combine(_binaries, "initdb"), ["-D", DataPath, "-A", "trust", "-U", SuperUser, "-E", "UTF8", "--no-sync", "--no-instructions"]);
        }
        else
        {
            // -R writes standby.signal and primary_conninfo: the copy starts as a hot standby streaming from the primary.
            Run(Path.Combine(_binaries, "pg_basebackup"), [
                "-h", "127.0.0.1", "-p", primary.Port.ToString(CultureInfo.InvariantCulture), "-U", SuperUser,
                "-D", DataPath, "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
        }

        Port = FreePort();
        StartReaper();
        Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Dispose();
    }

    /// <summary>The superuser every test connects as (trust authentication on loopback only).</summary>
    public const string SuperUser = "tracevault";

    /// <summary>The cluster of this test process, started on first use.</summary>
    public static PostgresCluster Shared => SharedCluster.Value;

    /// <summary>The directory that holds the cluster (its data directory and socket).</summary>
    public string Root { get; }

    /// <summary>The cluster's data directory: every file PostgreSQL writes, for the tests that read them raw.</summary>
    public string DataPath { get; }

    /// <summary>The loopback port the cluster listens on.</summary>
    public int Port { get; }

    private string SocketPath { get; }

    /// <summary>Creates an empty database of its own and returns its connection string.</summary>
    public NpgsqlConnectionStringBuilder CreateDatabase(string prefix = "tv")
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _databases)}");
        using (var admin = new NpgsqlConnection(ConnectionString("postgres").ConnectionString))
        {
            admin.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            create.ExecuteNonQuery();
        }

        return ConnectionString(name);
    }

    /// <summary>Removes a database <see cref="CreateDatabase"/> made, cutting any connection still open to it.</summary>
    /// <remarks>Each database costs the cluster ~8 MB of files: the contract suites make over a hundred.</remarks>
    public void DropDatabase(NpgsqlConnectionStringBuilder database)
    {
        using var admin = new NpgsqlConnection(ConnectionString("postgres").ConnectionString);
        admin.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database.Database}\" WITH (FORCE)", admin);
        drop.ExecuteNonQuery();
    }

    /// <summary>The connection string of database <paramref name="database"/> in this cluster (pooling off, so a stopped cluster is seen at once).</summary>
    public NpgsqlConnectionStringBuilder ConnectionString(string database) => new()
    {
        Host = "127.0.0.1",
        Port = Port,
        Database = database,
        Username = SuperUser,
        Pooling = false,
    };

    /// <summary>Starts a cluster of the caller's own (its own directory and port), for a test that stops or fails it over; dispose it to remove it.</summary>
    public static PostgresCluster StartPrivate() => new(primary: null);

    /// <summary>Starts a hot standby of this cluster (<c>pg_basebackup -R</c>) in a directory and on a port of its own, streaming from it.</summary>
    /// <remarks>Make the databases first: the copy holds what the primary held when it was taken, and streams the rest.</remarks>
    public PostgresCluster StartStandby() => new(primary: this);

    /// <summary>Stops the cluster: fast shutdown (connections are cut, a checkpoint is written), or immediate (as if the machine died).</summary>
    public void Stop(bool immediate = false)
    {
        lock (_gate)
        {
            Run(Path.Combine(_binaries, "pg_ctl"), ["-D", DataPath, "-m", immediate ? "immediate" : "fast", "-w", "stop"]);
        }
    }

    /// <summary>Promotes this standby to a primary that takes writes (<c>pg_ctl promote</c>), waiting until it does.</summary>
    public void Promote()
    {
        lock (_gate)
        {
            Run(Path.Combine(_binaries, "pg_ctl"), ["-D", DataPath, "-w", "-t", "120", "promote"]);
        }
    }

    /// <summary>Stops the cluster and removes its files.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Shutdown();
        }
    }

    private static PostgresCluster StartShared() => new(primary: null);

    /// <summary>Starts the cluster again after <see cref="Stop"/>, waiting until it accepts connections.</summary>
    public void Start()
    {
        lock (_gate)
        {
            // Autovacuum off: its ANALYZE holds a snapshot in a test's database, and VACUUM FULL keeps every row version such a
            // snapshot could still see, so the crypto-shredding tests (a destroyed or retired key's bytes gone from the files)
            // would depend on when a background worker happened to run.
            var options = string.Create(
                CultureInfo.InvariantCulture,
                $"-p {Port} -k {SocketPath} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=400 -c autovacuum=off");
            Run(Path.Combine(_binaries, "pg_ctl"), ["-D", DataPath, "-l", Path.Combine(Root, "server.log"), "-o", options, "-w", "-t", "120", "start"]);
        }
    }

    private void Shutdown()
    {
        try
        {
            Run(Path.Combine(_binaries, "pg_ctl"), ["-D", DataPath, "-m", "immediate", "-w", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // Already stopped.
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Starts a shell, in a session of its own, that waits for this test process to end, then stops the cluster (SIGQUIT: an
    /// immediate shutdown) and removes its directory.
    /// </summary>
    /// <remarks>
    /// The test platform kills the test process 100 ms after asking it to end, long before <c>pg_ctl stop</c> and removing
    /// a cluster of a hundred databases are done, so the <see cref="AppDomain.ProcessExit"/> handler alone left each run's
    /// clusters (over a gigabyte) in the temporary directory. A cluster disposed in time is already gone when the shell looks.
    /// </remarks>
    private void StartReaper()
    {
        // Its own streams closed first: the test platform reads the test process's output until no one holds it open.
        const string Script = """
            exec </dev/null >/dev/null 2>&1
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            postmaster=$(head -n 1 "$2/data/postmaster.pid" 2>/dev/null)
            if [ -n "$postmaster" ] && kill -QUIT "$postmaster" 2>/dev/null; then
              while kill -0 "$postmaster" 2>/dev/null; do sleep 0.2; done
            fi
            rm -rf "$2"
            """;
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        foreach (var argument in (string[])["sh", "-c", Script, "reaper", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), Root])
        {
            start.ArgumentList.Add(argument);
        }

        using var reaper = Process.Start(start) ?? throw new InvalidOperationException("could not start the cluster's reaper");
    }

    private void Run(string program, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (asPostgres && _asPostgresUser)
        {
            start.FileName = "runuser";
            foreach (var argument in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + program);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output.Result}{error.Result}");
        }
    }

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(version => Path.Combine(version, "bin")).Where(bin => File.Exists(Path.Combine(bin, "initdb")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0)
                .ToList()
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL's server is not installed (no /usr/lib/postgresql/*/bin/initdb): run ./test.sh as root, or install it: sudo apt-get install postgresql");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
