using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>The real <c>tracevault</c> command running as a child process, for what only a process shows: its output, a restart, SIGKILL.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _standardOutput = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The port HTTP and UDP listen on.</summary>
    public int Port { get; }

    /// <summary>The process id, for signals the tests send (SIGSTOP, SIGCONT).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The endpoint URL.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Everything the process printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>What the process printed on its standard output alone, so far.</summary>
    public string StandardOutput
    {
        get
        {
            lock (_output)
            {
                return _standardOutput.ToString();
            }
        }
    }

    /// <summary>Runs the <c>tracevault</c> command with <paramref name="arguments"/> to completion.</summary>
    public static Task<ProcessRunner.Result> RunCommandAsync(params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [TracevaultDll, .. arguments], RepositoryPaths.Root);

    /// <summary>Runs the <c>tracevault</c> command with <paramref name="arguments"/> to completion under the file-creation mask <paramref name="umask"/> (octal).</summary>
    public static Task<ProcessRunner.Result> RunCommandWithUmaskAsync(string umask, params string[] arguments) =>
        ProcessRunner.RunAsync("/bin/sh", ["-c", $"umask {umask} && exec dotnet \"$@\"", "sh", TracevaultDll, .. arguments], RepositoryPaths.Root);

    /// <summary>Starts <c>tracevault serve</c> on <paramref name="dataDirectory"/> and a free port (under the file-creation mask <paramref name="umask"/>, octal, when given), and waits until it is ready.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, int? port = null, string? umask = null)
    {
        var chosen = port ?? FreePort();
        var start = new ProcessStartInfo(umask is null ? "dotnet" : "/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        if (umask is not null)
        {
            foreach (var argument in new[] { "-c", $"umask {umask} && exec dotnet \"$@\"", "sh" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in new[] { TracevaultDll, "serve", "--data", dataDirectory, "--listen", $"127.0.0.1:{chosen}", "--otlp-http", "off", "--otlp-grpc", "off" })
        {
            start.ArgumentList.Add(argument);
        }

        return await StartAsync(start, chosen);
    }

    /// <summary>Starts any command that runs a Tracevault server on <paramref name="port"/> (e.g. <c>dotnet run</c>, or <c>serve</c> with settings from elsewhere), and waits until it is ready.</summary>
    public static async Task<ServerProcess> StartAsync(ProcessStartInfo start, int port)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = Process.Start(start)!;
        var server = new ServerProcess(process, port);
        process.OutputDataReceived += (_, line) => server.Append(line.Data, standardOutput: true);
        process.ErrorDataReceived += (_, line) => server.Append(line.Data, standardOutput: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        var finished = await Task.WhenAny(server._ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (finished != server._ready.Task)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException("tracevault serve did not become ready:\n" + server.Output);
        }

        return server;
    }

    /// <summary>Asks the process to stop with SIGTERM, as a service manager does, and waits until it has exited and its output is read.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            var sent = await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], RepositoryPaths.Root);
            Assert.True(sent.ExitCode == 0, "kill -TERM failed:\n" + sent.Output);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }

        // WaitForExit also waits for the redirected streams to be read to their end.
        _process.WaitForExit();
    }

    /// <summary>Kills the process at once, as a crash or SIGKILL would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    /// <summary>The <c>tracevault</c> program the tests run.</summary>
    public static string TracevaultDll => Path.Combine(AppContext.BaseDirectory, "tracevault.dll");

    /// <summary>A loopback port free at the time of asking.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line, bool standardOutput)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
            if (standardOutput)
            {
                _standardOutput.AppendLine(line);
            }
        }

        // Ready once the server has logged its endpoint and printed the client settings after it.
        var output = Output;
        if (output.Contains("e.g. aws --endpoint-url", StringComparison.Ordinal) && output.Contains("Tracevault is serving on", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
