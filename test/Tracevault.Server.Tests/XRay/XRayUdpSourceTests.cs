using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Unsigned UDP segments are taken from this machine only, even when the server listens on every interface.</summary>
public sealed class XRayUdpSourceTests
{
    [Fact]
    public async Task Udp_ListeningOnEveryInterface_TakesLoopbackAndDropsOtherSources()
    {
        var external = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (external is null)
        {
            // A machine with loopback only cannot send from elsewhere; CI machines have an eth0 address.
            return;
        }

        await using var server = await TestServer.StartAsync(configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
        });
        var counters = server.Server.Services.GetRequiredService<IngestCounters>();
        var port = server.Server.Endpoint.Port;
        var now = Now();
        var local = TraceId(now, "a00000000000000000000001");
        var remote = TraceId(now, "a00000000000000000000002");

        using (var fromLoopback = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0)))
        {
            await fromLoopback.SendAsync(Datagram(local, "a000000000000001", now), new IPEndPoint(IPAddress.Loopback, port));
        }

        using (var fromOutside = new UdpClient(new IPEndPoint(external, 0)))
        {
            await fromOutside.SendAsync(Datagram(remote, "a000000000000002", now), new IPEndPoint(external, port));
        }

        using var xray = XRayApiClient.For(server);
        await xray.WaitForTraceAsync(local, 1, TimeSpan.FromSeconds(5));
        for (var attempt = 0; attempt < 50 && counters.DroppedNotLocal == 0; attempt++)
        {
            await Task.Delay(100);
        }

        Assert.Equal(1, counters.DroppedNotLocal);
        Assert.Empty(await xray.ReadTraceAsync(remote));
    }

    private static byte[] Datagram(string traceId, string id, long now) =>
        Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + Segment(traceId, id, "udp", now, now + 1).ToJsonString());
}
