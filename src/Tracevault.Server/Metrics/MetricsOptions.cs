using System.Net;

namespace Tracevault.Server.Metrics;

/// <summary>Where the Prometheus endpoint (<c>GET /metrics</c>) is served.</summary>
public sealed class MetricsOptions
{
    /// <summary>The port <c>tracevault serve</c> serves metrics on unless told otherwise: OpenTelemetry's Prometheus exporter port.</summary>
    public const int DefaultPort = 9464;

    /// <summary>The address of the metrics listener, apart from the API's; null serves no metrics. Default null (an embedding host or
    /// a test asks for it); <c>tracevault serve</c> asks for <c>127.0.0.1:9464</c>.</summary>
    public IPEndPoint? Listen { get; set; }

    /// <summary>Whether <see cref="Listen"/> is the default address, left out with a warning when its port is taken rather than failing the start. Default false.</summary>
    public bool ListenIsDefault { get; set; }

    /// <summary>The default listener of <c>tracevault serve</c>: loopback, port <see cref="DefaultPort"/>.</summary>
    public static IPEndPoint DefaultListen => new(IPAddress.Loopback, DefaultPort);

    /// <summary>Parses <c>HOST:PORT</c> or <c>off</c> (null).</summary>
    public static IPEndPoint? ParseListen(string value) =>
        string.Equals(value.Trim(), "off", StringComparison.OrdinalIgnoreCase) ? null : Hosting.ServerOptions.ParseListen(value);
}
