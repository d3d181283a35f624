using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tracevault.Benchmarks.Load;

/// <summary>A client process: sends its share of the corpus as X-Ray daemon datagrams, paced to an offered rate.</summary>
internal static class UdpIngestClient
{
    private static readonly byte[] Header = """{"format":"json","version":1}"""u8.ToArray();

    public static async Task<int> RunAsync(HarnessArguments args)
    {
        var share = CorpusShare.From(args);
        var endpoint = new IPEndPoint(IPAddress.Loopback, args.Int("port", 2000));
        var rate = args.Long("rate", 15_000);
        var datagrams = share.Documents().Select(document =>
        {
            var datagram = new byte[Header.Length + 1 + document.Length];
            Header.CopyTo(datagram, 0);
            datagram[Header.Length] = (byte)'\n';
            document.CopyTo(datagram, Header.Length + 1);
            return datagram;
        }).ToList();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(endpoint);

        await ClientProtocol.WaitForGoAsync().ConfigureAwait(false);
        var cpuAtGo = Environment.CpuUsage.TotalTime;
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        long sent = 0, failed = 0;
        string? firstError = null;
        foreach (var datagram in datagrams)
        {
            // Pace to the offered rate: sleep whenever ahead of schedule by more than a millisecond.
            var due = TimeSpan.FromSeconds((double)sent / rate);
            if (due - clock.Elapsed > TimeSpan.FromMilliseconds(1))
            {
                Thread.Sleep(due - clock.Elapsed);
            }

            try
            {
                socket.Send(datagram);
                sent++;
            }
            catch (SocketException exception)
            {
                failed++;
                firstError ??= exception.Message;
            }
        }

        var end = DateTimeOffset.UtcNow;
        await ClientProtocol.WriteResultAsync(new ClientResult(
            sent, sent, 0, datagrams.Count, failed, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(), 0, 0, (Environment.CpuUsage.TotalTime - cpuAtGo).TotalSeconds, firstError)).ConfigureAwait(false);
        return 0;
    }
}
