using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>
/// A network namespace of the test's own, joined to this one by a veth pair with private addresses (198.18.N.1 here,
/// 198.18.N.2 there, a /30 from the benchmarking range), so a test can send from another host's address without one.
/// </summary>
/// <remarks>Needs root and <c>ip</c> (iproute2); without them <see cref="CreateAsync"/> reports the test skipped. Traffic
/// flows only between the two ends; disposing deletes the namespace, which removes the pair with it.</remarks>
public sealed class PrivateNetwork : IAsyncDisposable
{
    private static readonly string? Ip = FindOnPath("ip");
    private static int _created;
    private readonly string _hostInterface;

    private PrivateNetwork(string name, string hostInterface, IPAddress hostAddress, IPAddress peerAddress)
    {
        Name = name;
        _hostInterface = hostInterface;
        HostAddress = hostAddress;
        PeerAddress = peerAddress;
    }

    /// <summary>The namespace's name.</summary>
    public string Name { get; }

    /// <summary>This side's end of the pair: an address of this machine that is not loopback.</summary>
    public IPAddress HostAddress { get; }

    /// <summary>The namespace's end of the pair: to this machine, another host.</summary>
    public IPAddress PeerAddress { get; }

    /// <summary>Creates the namespace and the pair, or skips the test (with the reason) where that is impossible here.</summary>
    public static async Task<PrivateNetwork> CreateAsync()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "network namespaces are Linux's");
        Skip.IfNot(Environment.IsPrivilegedProcess, $"creating a network namespace needs root (running as {Environment.UserName})");
        Skip.If(Ip is null, "creating a network namespace needs ip (iproute2); test.sh installs it as root");

        var id = $"{Environment.ProcessId % 100_000}x{Interlocked.Increment(ref _created)}";
        var name = $"tracevault-test-{id}";
        var hostInterface = $"tvh{id}";
        var peerInterface = $"tvp{id}";
        var used = (await RunAsync("-4", "-o", "addr")).StandardOutput;
        var subnet = Enumerable.Range(0, 16).Select(_ => RandomNumberGenerator.GetInt32(256)).First(n => !used.Contains($" 198.18.{n}.", StringComparison.Ordinal));
        var network = new PrivateNetwork(name, hostInterface, IPAddress.Parse($"198.18.{subnet}.1"), IPAddress.Parse($"198.18.{subnet}.2"));
        string[][] steps =
        [
            ["netns", "add", name],
            ["link", "add", hostInterface, "type", "veth", "peer", "name", peerInterface, "netns", name],
            ["addr", "add", $"{network.HostAddress}/30", "dev", hostInterface],
            ["link", "set", hostInterface, "up"],
            ["-n", name, "addr", "add", $"{network.PeerAddress}/30", "dev", peerInterface],
            ["-n", name, "link", "set", peerInterface, "up"],
        ];
        foreach (var step in steps)
        {
            var result = await RunAsync(step);
            if (result.ExitCode != 0)
            {
                await network.DisposeAsync();
                throw new SkipException($"ip {string.Join(' ', step)} failed here: {result.StandardError.Trim()}");
            }
        }

        return network;
    }

    /// <summary>Sends one UDP datagram from the namespace's end (<see cref="PeerAddress"/>) to <paramref name="destination"/>.</summary>
    public async Task SendUdpFromPeerAsync(byte[] datagram, IPEndPoint destination)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, datagram);

            // bash writes the file to a UDP socket opened inside the namespace: one write, one datagram.
            var sent = await RunAsync("netns", "exec", Name, "bash", "-c", "cat \"$0\" > \"/dev/udp/$1/$2\"", file,
                destination.Address.ToString(), destination.Port.ToString(CultureInfo.InvariantCulture));
            Assert.True(sent.ExitCode == 0, "sending from the namespace failed:\n" + sent.Output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await RunAsync("netns", "del", Name);
        await RunAsync("link", "del", _hostInterface);
    }

    private static Task<ProcessRunner.Result> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(Ip!, arguments, Path.GetTempPath(), timeout: TimeSpan.FromSeconds(60));

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin").Append("/sbin")
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);
}
