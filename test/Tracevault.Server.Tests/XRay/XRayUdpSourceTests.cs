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
        Assert.Equal(0, counters.DroppedNotLocal);
    }

    [SkippableFact]
    public async Task Udp_ListeningOnEveryInterface_DropsAnotherHostAndThisHostsNonLoopbackAddress()
    {
        await using var network = await PrivateNetwork.CreateAsync();
        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
        });
        var counters = server.Server.Services.GetRequiredService<IngestCounters>();
        var port = server.Server.Endpoint.Port;
        var now = Now();
        var fromPeer = TraceId(now, "a00000000000000000000002");
        var fromOwnAddress = TraceId(now, "a00000000000000000000003");
        var local = TraceId(now, "a00000000000000000000004");

        // Another host: the namespace's end of the pair, to this end's address.
        await network.SendUdpFromPeerAsync(Datagram(Segment(fromPeer, "a000000000000002", "udp", now, now + 1).ToJsonString()), new IPEndPoint(network.HostAddress, port));
        await Eventually.WaitAsync("the datagram from the other host is counted as dropped", () => counters.DroppedNotLocal >= 1);

        // This machine, but from an address that is not loopback.
        using (var fromHostAddress = new UdpClient(new IPEndPoint(network.HostAddress, 0)))
        {
            await fromHostAddress.SendAsync(Datagram(Segment(fromOwnAddress, "a000000000000003", "udp", now, now + 1).ToJsonString()), new IPEndPoint(network.HostAddress, port));
        }

        await Eventually.WaitAsync("the datagram from this host's non-loopback address is counted as dropped", () => counters.DroppedNotLocal >= 2);

        // One receive loop: once a later loopback datagram is stored, nothing earlier is still on its way in.
        using (var fromLoopback = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            await fromLoopback.SendAsync(Datagram(Segment(local, "a000000000000004", "udp", now, now + 1).ToJsonString()), new IPEndPoint(IPAddress.Loopback, port));
        }

        using var xray = XRayApiClient.For(server);
        Assert.Single(await xray.WaitForTraceAsync(local, 1));
        Assert.Equal(2, counters.DroppedNotLocal);
        Assert.Empty(await xray.ReadTraceAsync(fromPeer));
        Assert.Empty(await xray.ReadTraceAsync(fromOwnAddress));
    }

    private static byte[] Datagram(string document) => Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + document);
}
