using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Tracevault.Server.Metrics;

/// <summary>The metrics port on the server's Kestrel: asked for, skipped (a default port that is taken), or bound.</summary>
public sealed class MetricsListener
{
    private ListenOptions? _listen;
    private int _port = -1;

    /// <summary>The default endpoint that was left out because its port is taken, else null.</summary>
    public IPEndPoint? Skipped { get; private set; }

    /// <summary>The bound endpoint after start, or null when no metrics are served.</summary>
    public IPEndPoint? Bound => _listen?.IPEndPoint;

    /// <summary>Adds the metrics listener of <paramref name="options"/> to Kestrel, leaving out a default one whose port is taken.</summary>
    public void Configure(KestrelServerOptions kestrel, MetricsOptions options)
    {
        if (options.Listen is not { } endpoint)
        {
            return;
        }

        if (options.ListenIsDefault && !CanBind(endpoint))
        {
            Skipped = endpoint;
            return;
        }

        kestrel.Listen(endpoint, listen =>
        {
            listen.Protocols = HttpProtocols.Http1;
            _listen = listen;
        });
    }

    /// <summary>Records the bound port, once Kestrel has started.</summary>
    public void Started() => _port = _listen?.IPEndPoint?.Port ?? -1;

    /// <summary>Whether a connection's local port is the metrics listener.</summary>
    public bool IsMetricsPort(int port) => port == _port;

    /// <summary>Tries the port before Kestrel does, so a taken default port is skipped instead of failing the whole start.</summary>
    private static bool CanBind(IPEndPoint endpoint)
    {
        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
