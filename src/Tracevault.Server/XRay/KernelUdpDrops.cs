using System.Globalization;
using System.Net.Sockets;

namespace Tracevault.Server.XRay;

/// <summary>The kernel's count of datagrams it dropped for one UDP socket because the socket's receive buffer was full (Linux).</summary>
/// <remarks>
/// Read from the <c>drops</c> column of <c>/proc/net/udp</c> and <c>/proc/net/udp6</c>, on the line of the socket's inode: the
/// count is the socket's own, from its creation, not the system-wide <c>RcvbufErrors</c>. Thread-safe; each read parses the tables afresh.
/// </remarks>
internal sealed class KernelUdpDrops
{
    private const string SocketLinkPrefix = "socket:[";

    // The network namespace of this process: /proc/net is /proc/self/net.
    private static readonly string[] Tables = ["/proc/net/udp", "/proc/net/udp6"];

    private readonly string _inode;

    private KernelUdpDrops(string inode) => _inode = inode;

    /// <summary>The counter of <paramref name="socket"/>, or null where the system does not expose one.</summary>
    public static KernelUdpDrops? For(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            // The socket's descriptor links to "socket:[INODE]"; the tables name sockets by that inode.
            var target = new FileInfo(string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{socket.Handle.ToInt64()}")).LinkTarget;
            if (target is null || !target.StartsWith(SocketLinkPrefix, StringComparison.Ordinal) || !target.EndsWith(']'))
            {
                return null;
            }

            var counter = new KernelUdpDrops(target[SocketLinkPrefix.Length..^1]);
            return counter.Read() is null ? null : counter;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>The datagrams dropped so far, or null when the socket is no longer listed (it was closed).</summary>
    public long? Read()
    {
        foreach (var table in Tables)
        {
            try
            {
                foreach (var line in File.ReadLines(table).Skip(1))
                {
                    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer drops
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 13 && fields[9] == _inode
                        && long.TryParse(fields[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var drops))
                    {
                        return drops;
                    }
                }
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // A table the system lacks (no IPv6) or hides: the other may still list the socket.
            }
        }

        return null;
    }
}
