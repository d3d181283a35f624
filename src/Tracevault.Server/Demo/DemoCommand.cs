using System.CommandLine;
using System.Runtime.InteropServices;

namespace Tracevault.Server.Demo;

/// <summary>The <c>tracevault demo</c> command: a running demo workload for the console to show.</summary>
public static class DemoCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var endpoint = new Option<string>("--endpoint")
        {
            Description = "The Tracevault to send to (on this machine: it accepts the demo's unsigned UDP segments and OTLP spans from loopback only).",
            DefaultValueFactory = _ => DemoRunner.DefaultEndpoint,
        };
        var rate = new Option<int>("--rate")
        {
            Description = "Traces a second (1 to 1000).",
            DefaultValueFactory = _ => 5,
        };
        var command = new Command("demo", "Send a demo shop's traces, continuously, until Ctrl-C: an X-Ray SDK front end and OpenTelemetry back ends with a database, "
            + "a cache and a queue, faults, errors, throttles, slow calls and annotations; prints a line a second of what it sent.") { endpoint, rate };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Uri.TryCreate(parse.GetValue(endpoint), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                await System.Console.Error.WriteLineAsync($"--endpoint must be an http:// or https:// URL, such as {DemoRunner.DefaultEndpoint}.").ConfigureAwait(false);
                return 2;
            }

            if (parse.GetValue(rate) is < 1 or > 1000)
            {
                await System.Console.Error.WriteLineAsync("--rate must be between 1 and 1000 traces a second.").ConfigureAwait(false);
                return 2;
            }

            // Ctrl-C (SIGINT) and a service manager's SIGTERM both end the run with its closing line and exit code 0.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            return await new DemoRunner(url, parse.GetValue(rate), System.Console.Out, TimeProvider.System).RunAsync(stop.Token).ConfigureAwait(false);

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        });
        return command;
    }
}
