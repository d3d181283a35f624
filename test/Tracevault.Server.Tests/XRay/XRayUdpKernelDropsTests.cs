using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Datagrams the kernel drops because the server's receive buffer is full are reported beside the server's own drops, as the kernel counts them.</summary>
public sealed class XRayUdpKernelDropsTests
{
    [Fact]
    public async Task Udp_ReceiveBufferOverflowing_ReportsTheKernelsDropsAsProcCountsThem()
    {
        if (!OperatingSystem.IsLinux())
        {
            // The kernel's per-socket count is read from /proc; other systems do not report one.
            return;
        }

        // The smallest buffer the kernel grants holds a datagram or two, so a sender in a tight loop overflows it.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await TestServer.StartAsync(clock, configure: options => options.UdpReceiveBufferBytes = 1024);
        long dropped;
        try
        {
            var counters = server.Server.Services.GetRequiredService<IngestCounters>();
            var endpoint = server.Server.Endpoint;
            var now = clock.GetUtcNow();
            var datagrams = Enumerable.Range(0, 64)
                .Select(_ => Encoding.UTF8.GetBytes("{\"format\":\"json\",\"version\":1}\n" + TraceDocuments.Segment(TraceDocuments.NewTraceId(now), now)))
                .ToArray();
            using (var sender = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp))
            {
                sender.Connect(endpoint);
                dropped = 0;
                for (var round = 0; round < 200 && dropped == 0; round++)
                {
                    for (var i = 0; i < 2_000; i++)
                    {
                        sender.Send(datagrams[i % datagrams.Length]);
                    }

                    dropped = ProcDrops(endpoint.Port);
                }
            }

            Assert.True(dropped > 0, "The kernel never dropped a datagram for the server's socket.");

            // On a loaded machine the server may not have read a datagram yet; what the buffer holds still reaches it.
            await Eventually.WaitAsync("the server reads a datagram", () => Task.FromResult(counters.UdpReceived), received => received > 0);

            // Nothing is sent any more, so the kernel's count holds still; the server reports exactly it.
            Assert.Equal(dropped, ProcDrops(endpoint.Port));
            Assert.Equal(dropped, counters.UdpDroppedByKernel);

            clock.Advance(UdpSegmentListener.KernelDropCheckInterval);
            var warning = string.Create(CultureInfo.InvariantCulture, $"; {dropped} since start");
            for (var attempt = 0; attempt < 100 && !server.Logs.Lines.Any(l => l.Contains("[60]", StringComparison.Ordinal) && l.Contains(warning, StringComparison.Ordinal)); attempt++)
            {
                await Task.Delay(100);
            }

            Assert.Contains(server.Logs.Lines, l => l.Contains("[60]", StringComparison.Ordinal) && l.Contains(warning, StringComparison.Ordinal));
        }
        finally
        {
            await server.DisposeAsync();
        }

        var totals = string.Create(CultureInfo.InvariantCulture, $"the kernel dropped {dropped} UDP datagrams (receive buffer full)");
        Assert.Contains(server.Logs.Lines, l => l.Contains("Ingest totals at stop", StringComparison.Ordinal) && l.Contains(totals, StringComparison.Ordinal));
    }

    /// <summary>The <c>drops</c> column of the IPv4 loopback socket bound to <paramref name="port"/>, found by its address, as an operator would read it.</summary>
    private static long ProcDrops(int port)
    {
        var local = string.Create(CultureInfo.InvariantCulture, $"0100007F:{port:X4}");
        var line = File.ReadLines("/proc/net/udp").Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Single(fields => fields[1] == local);
        return long.Parse(line[^1], CultureInfo.InvariantCulture);
    }
}
