using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Tracevault.Benchmarks.Load;

/// <summary>A process the harness started, with its output lines collected as they arrive.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = [];
    private readonly ConcurrentQueue<string> _all = new();

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Collect(e.Data);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data is null ? null : "stderr: " + e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public IEnumerable<string> Output => _all;

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, bool redirectInput)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_gcServer"] = "0";
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}."));
    }

    /// <summary>Starts this benchmark program again with other arguments (as a client process).</summary>
    public static ChildProcess StartSelf(IEnumerable<string> arguments)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var prefix = Path.GetFileNameWithoutExtension(host) == "dotnet" ? [typeof(ChildProcess).Assembly.Location] : Array.Empty<string>();
        return Start(host, prefix.Concat(arguments), redirectInput: true);
    }

    /// <summary>Waits for an output line that starts with <paramref name="prefix"/>; throws when the process ends or time runs out first.</summary>
    public string WaitForLine(string prefix, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_lines.TryTake(out var line, TimeSpan.FromMilliseconds(200)))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
            else if (_process.HasExited && _lines.Count == 0)
            {
                // Let the asynchronous readers deliver the last of its output before giving up on it.
                _process.WaitForExit();
                if (_lines.Count == 0)
                {
                    break;
                }
            }
        }

        var exit = _process.HasExited ? $"exited with {_process.ExitCode}" : "is still running";
        throw new InvalidOperationException($"Process {_process.Id} {exit} and did not print '{prefix}'. Its last output:\n{string.Join('\n', _all.TakeLast(20))}");
    }

    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Asks the process to stop with SIGTERM, as a service manager would, and waits for it.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }

        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Process {_process.Id} did not stop within {timeout}.");
        }
    }

    public async Task WaitForExitAsync() => await _process.WaitForExitAsync().ConfigureAwait(false);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
        _lines.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        _all.Enqueue(line);
        if (!_lines.IsAddingCompleted)
        {
            _lines.Add(line);
        }
    }
}
