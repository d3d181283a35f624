using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Tracevault.Server.Otlp;

/// <summary>OTLP's own ports on the server's Kestrel: which were asked for, which were skipped because a default port is taken, which are bound.</summary>
public sealed class OtlpListeners
{
    private readonly List<ListenOptions> _http = [];
    private readonly List<ListenOptions> _grpc = [];
    private readonly List<string> _skipped = [];
    private HashSet<int> _httpPorts = [];
    private HashSet<int> _grpcPorts = [];

    /// <summary>The default endpoints that were taken, as "OTLP/HTTP on 127.0.0.1:4318"; each gets one warning line.</summary>
    public IReadOnlyList<string> Skipped => _skipped;

    /// <summary>The bound OTLP/HTTP endpoints, after start.</summary>
    public IReadOnlyList<IPEndPoint> Http => [.. _http.Select(l => l.IPEndPoint!)];

    /// <summary>The bound OTLP/gRPC endpoints, after start.</summary>
    public IReadOnlyList<IPEndPoint> Grpc => [.. _grpc.Select(l => l.IPEndPoint!)];

    /// <summary>Adds the listeners of <paramref name="options"/> to Kestrel, leaving out default ones whose port is taken.</summary>
    public void Configure(KestrelServerOptions kestrel, OtlpOptions options)
    {
        Add(kestrel, options.Http, options.HttpIsDefault, HttpProtocols.Http1, _http, "OTLP/HTTP");
        Add(kestrel, options.Grpc, options.GrpcIsDefault, HttpProtocols.Http2, _grpc, "OTLP/gRPC");
    }

    /// <summary>Records the bound ports, once Kestrel has started.</summary>
    public void Started()
    {
        _httpPorts = [.. _http.Select(l => l.IPEndPoint!.Port)];
        _grpcPorts = [.. _grpc.Select(l => l.IPEndPoint!.Port)];
    }

    /// <summary>Whether a connection's local port is an OTLP/HTTP listener.</summary>
    public bool IsHttpPort(int port) => _httpPorts.Contains(port);

    /// <summary>Whether a connection's local port is an OTLP/gRPC listener.</summary>
    public bool IsGrpcPort(int port) => _grpcPorts.Contains(port);

    private void Add(KestrelServerOptions kestrel, IReadOnlyList<IPEndPoint> endpoints, bool isDefault, HttpProtocols protocols, List<ListenOptions> bound, string what)
    {
        foreach (var endpoint in endpoints)
        {
            if (isDefault && !CanBind(endpoint, out var reason))
            {
                if (reason != SocketError.AddressNotAvailable && reason != SocketError.AddressFamilyNotSupported)
                {
                    _skipped.Add($"{what} on {endpoint}");
                }

                continue;
            }

            kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = protocols;
                bound.Add(listen);
            });
        }
    }

    /// <summary>Tries the port before Kestrel does, so a taken default port is skipped instead of failing the whole start.</summary>
    private static bool CanBind(IPEndPoint endpoint, out SocketError reason)
    {
        using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(endpoint);
            reason = SocketError.Success;
            return true;
        }
        catch (SocketException exception)
        {
            reason = exception.SocketErrorCode;
            return false;
        }
    }
}
