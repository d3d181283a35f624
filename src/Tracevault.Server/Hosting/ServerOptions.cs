using System.Net;
using Tracevault.Keys.Settings;
using Tracevault.Server.Console;
using Tracevault.Server.XRay;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Hosting;

/// <summary>How a Tracevault server runs; validated once at start-up.</summary>
public sealed class ServerOptions
{
    /// <summary>The data directory. Default <c>./tracevault-data</c>.</summary>
    public string DataDirectory { get; set; } = "./tracevault-data";

    /// <summary>The PostgreSQL database every node of the deployment keeps its data in; null (the default) keeps it in SQLite in <see cref="DataDirectory"/>, which otherwise holds only the root key file and the admin's credentials.</summary>
    public Npgsql.NpgsqlConnectionStringBuilder? Postgres { get; set; }

    /// <summary>Where the root key file is kept and the passphrase it is wrapped under.</summary>
    public RootKeyOptions RootKey { get; set; } = new();

    /// <summary>The address HTTP (TCP) and the daemon protocol (UDP) listen on. Default <c>127.0.0.1:2000</c>; port 0 picks a free one.</summary>
    public IPEndPoint Listen { get; set; } = new(IPAddress.Loopback, 2000);

    /// <summary>The region requests must be signed for and ARNs name. Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>How far a request's signing time may be from the server's clock. Default 5 minutes, as AWS KMS.</summary>
    public TimeSpan AllowedClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The largest request body accepted, in bytes. Default 6 MiB.</summary>
    public int MaxRequestBodyBytes { get; set; } = 6 * 1024 * 1024;

    /// <summary>The largest total size of a request's headers, in bytes. Default 64 KiB.</summary>
    public int MaxRequestHeaderBytes { get; set; } = 64 * 1024;

    /// <summary>The receive buffer asked of the operating system for the UDP port, in bytes. Default 16 MiB; the system may grant less (on Linux, <c>net.core.rmem_max</c>), and the server then warns.</summary>
    public int UdpReceiveBufferBytes { get; set; } = UdpSegmentListener.DefaultReceiveBufferBytes;

    /// <summary>The networks (besides loopback, always allowed) whose senders may send unsigned segments to the UDP port when it listens
    /// beyond loopback; anything else is refused, counted and logged. Default none: loopback only, as the X-Ray daemon's local SDKs.</summary>
    public IReadOnlyList<IPNetwork> UdpAllow { get; set; } = [];

    /// <summary>The networks of the proxies (load balancers) whose <c>X-Forwarded-For</c> names the client's address. Default none: no header is read, the client is the connection's peer.</summary>
    public IReadOnlyList<IPNetwork> TrustedProxies { get; set; } = [];

    /// <summary>How the log is written to the console when the host does not configure logging itself. Default <see cref="LogFormat.Text"/>.</summary>
    public LogFormat LogFormat { get; set; } = LogFormat.Text;

    /// <summary>Where Prometheus metrics are served.</summary>
    public Metrics.MetricsOptions Metrics { get; set; } = new();

    /// <summary>How trace data is grouped, kept and removed.</summary>
    public TraceStoreOptions Traces { get; set; } = new();

    /// <summary>How encryption settings propagate and how long KMS data keys are used.</summary>
    public EncryptionSettingsOptions Encryption { get; set; } = new();

    /// <summary>The external key service that may hold accounts' customer keys (<c>--external-kms</c>); none by default.</summary>
    public ExternalKms.ExternalKmsOptions ExternalKms { get; set; } = new();
    /// <summary>OpenTelemetry's own ports and span mapping.</summary>
    public Otlp.OtlpOptions Otlp { get; set; } = new();

    /// <summary>How trace retrievals run on this node and how long they are kept.</summary>
    public XRay.Retrievals.TraceRetrievalOptions Retrievals { get; set; } = new();

    /// <summary>The PEM certificate (chain) file HTTPS serves on <see cref="Listen"/>; null (the default) serves plain HTTP.</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>The PEM private key file of <see cref="TlsCertificatePath"/>; required with it.</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>Whether plain HTTP may listen on an address other than loopback. Default false: off loopback, TLS is required.</summary>
    public bool InsecureHttp { get; set; }

    /// <summary>Whether <see cref="Listen"/> serves HTTPS.</summary>
    public bool UsesTls => TlsCertificatePath is not null;

    /// <summary>How X-Ray insights are evaluated.</summary>
    public XRay.Insights.InsightsOptions Insights { get; set; } = new();

    /// <summary>How the web console keeps its sessions.</summary>
    public ConsoleOptions Console { get; set; } = new();

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new ArgumentException("The data directory must be given.");
        }

        if (string.IsNullOrWhiteSpace(Region) || !Region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new ArgumentException($"'{Region}' is not a region name such as us-east-1.");
        }

        if (AllowedClockSkew <= TimeSpan.Zero || AllowedClockSkew > TimeSpan.FromHours(1))
        {
            throw new ArgumentException("The allowed clock skew must be between 0 and 60 minutes.");
        }

        if (MaxRequestBodyBytes < 64 * 1024 || MaxRequestHeaderBytes < 8 * 1024)
        {
            throw new ArgumentException("The request size limits are too small to serve the AWS clients.");
        }

        if (UdpReceiveBufferBytes is < 1024 or > 1024 * 1024 * 1024)
        {
            throw new ArgumentException("The UDP receive buffer must be between 1 KiB and 1 GiB.");
        }

        if ((TlsCertificatePath is null) != (TlsKeyPath is null))
        {
            throw new ArgumentException("--tls-cert and --tls-key go together: give both PEM files, or neither.");
        }

        if (!UsesTls && !InsecureHttp && !IPAddress.IsLoopback(Listen.Address))
        {
            throw new ArgumentException(
                $"Refusing to serve plain HTTP on {Listen}, which is not loopback: request signatures stop replays but not readers, so "
                + "KMS plaintexts and console sign-ins would cross the network in the clear. Give --tls-cert and --tls-key, "
                + "or --insecure-http if something in front of Tracevault encrypts the traffic.");
        }

        Traces.Validate();
        Encryption.Validate();
        ExternalKms.Validate();
        Console.Validate();
        Insights.Validate();
    }

    /// <summary>Parses a network in CIDR notation, e.g. <c>10.0.0.0/8</c> or <c>fd00::/8</c>; a bare address is that one host.</summary>
    /// <remarks>An address with bits set past the prefix (<c>10.1.2.3/8</c>) is refused, not widened: it may have meant one host.</remarks>
    public static IPNetwork ParseNetwork(string value)
    {
        var text = value.Trim();
        if (IPAddress.TryParse(text, out var host) && !text.Contains('/', StringComparison.Ordinal))
        {
            return new IPNetwork(host, host.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(text[..slash], out var address) && address.Equals(network.BaseAddress))
        {
            return network;
        }

        throw new ArgumentException($"'{value}' is not a network in CIDR notation such as 10.0.0.0/8 or 192.168.1.7/32 (no address bits may be set past the prefix).");
    }

    /// <summary>Parses <c>HOST:PORT</c> (IPv6 in brackets, <c>localhost</c> meaning loopback).</summary>
    public static IPEndPoint ParseListen(string value)
    {
        var text = value.Trim();
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }

        if (!IPEndPoint.TryParse(text, out var endpoint) || !text.Contains(':', StringComparison.Ordinal) || text.EndsWith(']'))
        {
            throw new ArgumentException($"'{value}' is not HOST:PORT, e.g. 127.0.0.1:2000.");
        }

        return endpoint;
    }
}
