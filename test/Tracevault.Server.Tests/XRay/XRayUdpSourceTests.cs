using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Unsigned UDP segments are taken from this machine's loopback only, even when the server listens on every interface.</summary>
public sealed class XRayUdpSourceTests
{
    [Fact]
    public async Task Udp_ListeningOnEveryInterface_TakesLoopback()
    {
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
        });
        var counters = server.Server.Services.GetRequiredService<IngestCounters>();
        var now = Now();
        var local = TraceId(now, "a00000000000000000000001");
        var document = Segment(local, "a000000000000001", "udp", now, now + 1).ToJsonString();

        using (var fromLoopback = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            await fromLoopback.SendAsync(Datagram(document), new IPEndPoint(IPAddress.Loopback, server.Server.Endpoint.Port));
        }

        using var xray = XRayApiClient.For(server);
        Assert.Equal(document, (await xray.WaitForTraceAsync(local, 1)).Single().ToJsonString());
        Assert.Equal(0, counters.DroppedSourceNotAllowed);
    }

    [SkippableFact]
    public async Task Udp_ListeningOnEveryInterface_DropsAnotherHostAndThisHostsNonLoopbackAddress()
    {
        await using var network = await PrivateNetwork.CreateAsync();
        var server = await TestServer.StartAsync(configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
        });
        try
        {
            var counters = server.Server.Services.GetRequiredService<IngestCounters>();
            var port = server.Server.Endpoint.Port;
            var now = Now();
            var fromPeer = TraceId(now, "a00000000000000000000002");
            var fromOwnAddress = TraceId(now, "a00000000000000000000003");
            var local = TraceId(now, "a00000000000000000000004");

            // Another host: the namespace's end of the pair, to this end's address.
            await network.SendUdpFromPeerAsync(Datagram(Segment(fromPeer, "a000000000000002", "udp", now, now + 1).ToJsonString()), new IPEndPoint(network.HostAddress, port));
            await Eventually.WaitAsync("the datagram from the other host is counted as dropped", () => counters.DroppedSourceNotAllowed >= 1);

            // This machine, but from an address that is not loopback.
            using (var fromHostAddress = new UdpClient(new IPEndPoint(network.HostAddress, 0)))
            {
                await fromHostAddress.SendAsync(Datagram(Segment(fromOwnAddress, "a000000000000003", "udp", now, now + 1).ToJsonString()), new IPEndPoint(network.HostAddress, port));
            }

            await Eventually.WaitAsync("the datagram from this host's non-loopback address is counted as dropped", () => counters.DroppedSourceNotAllowed >= 2);

            // One receive loop: once a later loopback datagram is stored, nothing earlier is still on its way in.
            using (var fromLoopback = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
            {
                await fromLoopback.SendAsync(Datagram(Segment(local, "a000000000000004", "udp", now, now + 1).ToJsonString()), new IPEndPoint(IPAddress.Loopback, port));
            }

            using var xray = XRayApiClient.For(server);
            Assert.Single(await xray.WaitForTraceAsync(local, 1));
            Assert.Equal(2, counters.DroppedSourceNotAllowed);
            Assert.Empty(await xray.ReadTraceAsync(fromPeer));
            Assert.Empty(await xray.ReadTraceAsync(fromOwnAddress));

            // Said at once, at a bounded rate: the first refusal is logged with its sender; the second, within the interval, waits.
            var refusal = Assert.Single(server.Logs.Lines, l => l.Contains("[261]", StringComparison.Ordinal));
            Assert.Contains("Refused 1 UDP datagram(s)", refusal, StringComparison.Ordinal);
            Assert.Contains($"the latest from {network.PeerAddress}", refusal, StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }

        // At stop, the refusal not yet told is logged, and the totals count both.
        Assert.Contains(server.Logs.Lines, l => l.Contains("[261]", StringComparison.Ordinal) && l.Contains("Refused 1 UDP datagram(s)", StringComparison.Ordinal)
            && l.Contains($"the latest from {network.HostAddress}", StringComparison.Ordinal) && l.Contains("; 2 since start", StringComparison.Ordinal));
        Assert.Contains(server.Logs.Lines, l => l.Contains("Ingest totals at stop", StringComparison.Ordinal) && l.Contains("refused 2 UDP datagrams (sender not allowed)", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Udp_AllowedNetwork_TakesItsSendersAndStillRefusesOthers()
    {
        await using var network = await PrivateNetwork.CreateAsync();
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
            options.UdpAllow = [new IPNetwork(network.PeerAddress, 32)];
        });
        var counters = server.Server.Services.GetRequiredService<IngestCounters>();
        var port = server.Server.Endpoint.Port;
        var now = Now();
        var fromPeer = TraceId(now, "a00000000000000000000005");
        var fromOwnAddress = TraceId(now, "a00000000000000000000006");
        var peerDocument = Segment(fromPeer, "a000000000000005", "udp", now, now + 1).ToJsonString();

        await network.SendUdpFromPeerAsync(Datagram(peerDocument), new IPEndPoint(network.HostAddress, port));
        using var xray = XRayApiClient.For(server);
        Assert.Equal(peerDocument, (await xray.WaitForTraceAsync(fromPeer, 1)).Single().ToJsonString());

        // This machine's own non-loopback address is outside the /32 allowed: still refused.
        using (var fromHostAddress = new UdpClient(new IPEndPoint(network.HostAddress, 0)))
        {
            await fromHostAddress.SendAsync(Datagram(Segment(fromOwnAddress, "a000000000000006", "udp", now, now + 1).ToJsonString()), new IPEndPoint(network.HostAddress, port));
        }

        await Eventually.WaitAsync("the datagram from outside the allowed network is refused", () => counters.DroppedSourceNotAllowed >= 1);
        Assert.Equal(1, counters.DroppedSourceNotAllowed);
        Assert.Empty(await xray.ReadTraceAsync(fromOwnAddress));
        Assert.Contains(server.Logs.Lines, l => l.Contains("[262]", StringComparison.Ordinal) && l.Contains($"{network.PeerAddress}/32", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UdpAllow_NotACidrNetwork_RefusesToStart()
    {
        var result = await ServerProcess.RunCommandAsync("serve", "--data", Path.Combine(Path.GetTempPath(), "tracevault-never-" + Path.GetRandomFileName()), "--udp-allow", "10.1.2.3/8");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'10.1.2.3/8' is not a network in CIDR notation", result.Output, StringComparison.Ordinal);
    }

    private static byte[] Datagram(string document) => Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + document);
}
