using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Tracevault.Benchmarks.Load;

/// <summary>The <c>tracevault serve</c> process under test, on a temporary data directory and a free loopback port.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    private readonly ChildProcess _process;

    private ServerProcess(ChildProcess process, string dataDirectory, int port)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Port = port;
        Endpoint = new Uri($"http://127.0.0.1:{port}/");
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public Uri Endpoint { get; }

    public int Pid => _process.Id;

    public AdminCredentials Credentials => AdminCredentials.Read(CredentialsPath);

    public string CredentialsPath => Path.Combine(DataDirectory, "credentials");

    /// <summary>Whether the server warned that the OS gave it a smaller UDP receive buffer than it asked for.</summary>
    public bool SmallUdpBuffer => _process.Output.Any(l => l.Contains("UDP receive buffer is", StringComparison.Ordinal));

    /// <summary>The OTLP/HTTP endpoint, when the server was started with one.</summary>
    public Uri? OtlpEndpoint { get; private init; }

    /// <summary>Starts the server; <paramref name="otlp"/> null leaves its OTLP listeners at their defaults, true puts OTLP/HTTP on a free loopback port (gRPC off), false turns both off; <paramref name="extra"/> are more <c>serve</c> options (e.g. <c>--postgres</c>).</summary>
    public static ServerProcess Start(string serverDll, string dataDirectory, bool? otlp = null, IEnumerable<string>? extra = null)
    {
        var port = FreePort();
        var otlpPort = otlp == true ? FreePort() : 0;
        string[] otlpArguments = otlp switch
        {
            true => ["--otlp-http", $"127.0.0.1:{otlpPort}", "--otlp-grpc", "off"],
            false => ["--otlp-http", "off", "--otlp-grpc", "off"],
            null => [],
        };
        var process = ChildProcess.Start("dotnet", [serverDll, "serve", "--data", dataDirectory, "--listen", $"127.0.0.1:{port}", .. otlpArguments, .. extra ?? []], redirectInput: false);
        var server = new ServerProcess(process, dataDirectory, port) { OtlpEndpoint = otlp == true ? new Uri($"http://127.0.0.1:{otlpPort}/") : null };
        process.WaitForLine("To use it", TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>Stops the server with SIGTERM and returns the ingest totals it logs as it stops.</summary>
    public async Task<IngestTotals> StopAsync()
    {
        await _process.TerminateAsync(TimeSpan.FromMinutes(2)).ConfigureAwait(false);
        var line = _process.Output.LastOrDefault(l => l.Contains("Ingest totals at stop", StringComparison.Ordinal))
            ?? throw new InvalidDataException("The server did not log its ingest totals when it stopped.");
        var numbers = Numbers().Matches(line[line.IndexOf("received", StringComparison.Ordinal)..])
            .Select(m => long.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
        return new IngestTotals(numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5], numbers[6]);
    }

    public void Dispose() => _process.Dispose();

    private static int FreePort()
    {
        // A port free for TCP and for UDP, since the server binds both.
        for (var attempt = 0; ; attempt++)
        {
            using var tcp = new TcpListener(IPAddress.Loopback, 0);
            tcp.Start();
            var port = ((IPEndPoint)tcp.LocalEndpoint).Port;
            try
            {
                using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 20)
            {
            }
        }
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex Numbers();
}

/// <summary>The server's <c>IngestCounters</c>, as logged when it stops.</summary>
internal sealed record IngestTotals(long HttpReceived, long UdpReceived, long Stored, long Rejected, long DroppedQueueFull, long DroppedStoringStopped, long DroppedMalformed);
