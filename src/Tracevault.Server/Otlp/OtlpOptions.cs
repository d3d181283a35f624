using System.Net;

namespace Tracevault.Server.Otlp;

/// <summary>Where OpenTelemetry exporters reach Tracevault besides <c>/v1/traces</c> on the main port, and how spans become annotations.</summary>
public sealed class OtlpOptions
{
    /// <summary>OTLP/HTTP's default port.</summary>
    public const int DefaultHttpPort = 4318;

    /// <summary>OTLP/gRPC's default port.</summary>
    public const int DefaultGrpcPort = 4317;

    /// <summary>The OTLP/HTTP listeners. Default <c>127.0.0.1:4318</c> and <c>[::1]:4318</c>; empty turns OTLP/HTTP's own port off.</summary>
    public IReadOnlyList<IPEndPoint> Http { get; set; } = Loopback(DefaultHttpPort);

    /// <summary>Whether <see cref="Http"/> is the default, which is skipped with a warning when taken rather than failing the start. Default true.</summary>
    public bool HttpIsDefault { get; set; } = true;

    /// <summary>The OTLP/gRPC listeners. Default <c>127.0.0.1:4317</c> and <c>[::1]:4317</c>; empty turns OTLP/gRPC off.</summary>
    public IReadOnlyList<IPEndPoint> Grpc { get; set; } = Loopback(DefaultGrpcPort);

    /// <summary>Whether <see cref="Grpc"/> is the default, which is skipped with a warning when taken rather than failing the start. Default true.</summary>
    public bool GrpcIsDefault { get; set; } = true;

    /// <summary>Whether every scalar span attribute becomes an annotation (default), or only those a span lists in <c>aws.xray.annotations</c>.</summary>
    public bool AnnotateAllAttributes { get; set; } = true;

    /// <summary>Parses a listener option: <c>off</c>, or <c>HOST:PORT</c>.</summary>
    public static IReadOnlyList<IPEndPoint> ParseListen(string value) =>
        string.Equals(value.Trim(), "off", StringComparison.OrdinalIgnoreCase) ? [] : [Hosting.ServerOptions.ParseListen(value)];

    private static IPEndPoint[] Loopback(int port) => [new(IPAddress.Loopback, port), new(IPAddress.IPv6Loopback, port)];
}
