using System.Diagnostics;
using System.Text;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Console;

/// <summary><c>tracevault demo</c> as a new user starts it against a fresh server: what the console shows within a minute, and how it stops.</summary>
public sealed class DemoTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Demo_ListsTracesOfFourServicesWithFaultsOnTheTracesPage_WithinAMinute_AndStopsOnSigterm()
    {
        // The clock starts with the demo: the npm packages' install is not the demo's time.
        await NodeClients.EnsureInstalledAsync();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(60);
        using var demo = DemoProcess.Start(_server.Endpoint, "--rate", "10");
        var screenshots = Path.Combine(RepositoryPaths.TestOutput, "screenshots");
        Directory.CreateDirectory(screenshots);
        var environment = _server.ClientEnvironment();
        environment["DEMO_DEADLINE_MS"] = deadline.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["SCREENSHOTS"] = screenshots;

        await NodeClients.RunTestScriptAsync("demo.test.mjs", environment, output);

        // As systemd stops a service.
        var exitCode = await demo.StopAsync("TERM");
        output.WriteLine(demo.Output);
        Assert.Equal(0, exitCode);
        Assert.Contains("sent 10 traces: 10 X-Ray segments over UDP, ", demo.Output, StringComparison.Ordinal);
        Assert.Contains("Stopped: ", demo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_SaysWhatItSendsEverySecond_AndStopsOnCtrlC()
    {
        using var demo = DemoProcess.Start(_server.Endpoint, "--rate", "3");
        await Eventually.WaitAsync("two lines of what the demo sent", () => demo.Output.Split('\n').Count(l => l.Contains(" sent 3 traces: ", StringComparison.Ordinal)) >= 2);

        var exitCode = await demo.StopAsync("INT");
        output.WriteLine(demo.Output);
        Assert.Equal(0, exitCode);
        var lines = demo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith($"Sending a demo shop's traces to {_server.Endpoint}/, 3 a second: web-frontend as the X-Ray SDK sends them", lines[0], StringComparison.Ordinal);
        var sent = lines.Where(l => l.Contains(" sent 3 traces: ", StringComparison.Ordinal)).ToList();
        Assert.All(sent, l => Assert.Matches(@"^\d\d:\d\d:\d\d sent 3 traces: 3 X-Ray segments over UDP, \d+ OpenTelemetry spans over OTLP; \d fault, \d error, \d throttled, \d slow; [\d,]+ traces in all$", l));
        Assert.Matches(@"^Stopped: [\d,]+ traces sent\.$", lines[^1]);
    }

    [Fact]
    public async Task Demo_WithNoServerThere_SaysSoAndExitsOne()
    {
        var result = await ServerProcess.RunCommandAsync("demo", "--endpoint", $"http://127.0.0.1:{ServerProcess.FreePort()}");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Cannot reach Tracevault at http://127.0.0.1:", result.StandardOutput, StringComparison.Ordinal);

        var bad = await ServerProcess.RunCommandAsync("demo", "--rate", "0");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--rate must be between 1 and 1000", bad.StandardError, StringComparison.Ordinal);
    }

    /// <summary>A running <c>tracevault demo</c> whose output is collected.</summary>
    private sealed class DemoProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private DemoProcess(Process process) => _process = process;

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

        public static DemoProcess Start(string endpoint, params string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryPaths.Root };
            foreach (var argument in new[] { ServerProcess.TracevaultDll, "demo", "--endpoint", endpoint }.Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }

            var demo = new DemoProcess(Process.Start(start)!);
            demo._process.OutputDataReceived += (_, line) => demo.Append(line.Data);
            demo._process.ErrorDataReceived += (_, line) => demo.Append(line.Data);
            demo._process.BeginOutputReadLine();
            demo._process.BeginErrorReadLine();
            return demo;
        }

        /// <summary>Sends SIG<paramref name="signal"/> and waits for the exit code.</summary>
        public async Task<int> StopAsync(string signal)
        {
            using (var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}
