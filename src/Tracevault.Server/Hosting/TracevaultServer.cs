using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tracevault.Keys.Identity;
using Tracevault.Server.Auth;
using Tracevault.Server.Console;
using Tracevault.Server.ExternalKms;
using Tracevault.Server.Http;
using Tracevault.Server.Otlp;
using Tracevault.Server.XRay;
using Tracevault.Storage.Traces;
using Tracevault.Server.Kms;
using Tracevault.Server.Metrics;

namespace Tracevault.Server.Hosting;

/// <summary>A running Tracevault server: HTTP and UDP on one port, over one data directory.</summary>
public sealed class TracevaultServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly UdpSegmentListener _udp;
    private readonly X509Certificate2? _certificate;

    private TracevaultServer(WebApplication app, UdpSegmentListener udp, IPEndPoint endpoint, X509Certificate2? certificate, DataDirectory data, NewUser? initializedAdmin)
    {
        _app = app;
        _certificate = certificate;
        _udp = udp;
        Endpoint = endpoint;
        Data = data;
        InitializedAdmin = initializedAdmin;
    }

    /// <summary>The address HTTP and UDP are bound to.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The HTTP endpoint URL clients use.</summary>
    public Uri Url => new($"{(_certificate is not null ? "https" : "http")}://{ClientEndpoint}/");

    /// <summary>The address a client on this machine reaches: loopback when the server listens on every interface.</summary>
    private IPEndPoint ClientEndpoint => Endpoint.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, Endpoint.Port)
        : Endpoint.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, Endpoint.Port)
        : Endpoint;

    /// <summary>OTLP's own listeners, as bound.</summary>
    public OtlpListeners Otlp { get; private init; } = null!;

    /// <summary>The data directory served.</summary>
    public DataDirectory Data { get; }

    /// <summary>The admin user made when this start initialized an empty data directory, else null.</summary>
    public NewUser? InitializedAdmin { get; }

    /// <summary>The server's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Opens the data directory (initializing it when empty), binds the port and starts serving.</summary>
    public static async Task<TracevaultServer> StartAsync(ServerOptions options, TimeProvider time, Action<ILoggingBuilder>? configureLogging, CancellationToken cancellationToken)
    {
        options.Validate();
        // Kestrel serves with it for the server's lifetime: disposed with the server, not here.
        var certificate = LoadCertificate(options);
        var data = DataDirectory.OpenOrCreate(options.DataDirectory, options.RootKey, options.Postgres, time);
        var admin = data.InitializeIfEmpty();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(TracevaultServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        if (configureLogging is null)
        {
            if (options.LogFormat == LogFormat.Json)
            {
                builder.Logging.AddJsonConsole(console =>
                {
                    console.UseUtcTimestamp = true;
                    console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
                    console.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                });
            }
            else
            {
                builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
            }

            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        }
        else
        {
            configureLogging(builder.Logging);
        }

        var otlpListeners = new OtlpListeners();
        var metricsListener = new MetricsListener();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(options.Listen, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            otlpListeners.Configure(kestrel, options.Otlp);
            metricsListener.Configure(kestrel, options.Metrics);
            kestrel.AddServerHeader = false;
            // Kestrel's own limits sit above ours, so an oversize request gets an answer in its protocol's envelope.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MaxRequestHeadersTotalSize = Math.Max(options.MaxRequestHeaderBytes * 4, 1024 * 1024);
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 1000;
        });

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(data);
        builder.Services.AddSingleton(data.Identity);
        builder.Services.AddSingleton<RequestAuthenticator>();
        builder.Services.AddSingleton<Readiness>();
        var router = new ApiRouter();
        builder.Services.AddSingleton(router);
        builder.Services.AddKeyService(data, options, time, router);
        builder.Services.AddExternalKms(options.ExternalKms);
        builder.Services.AddXRay(data, options.Traces, options.Encryption);
        builder.Services.AddConsole(options.Console);
        builder.Services.AddOtlp(options.Otlp, otlpListeners);
        builder.Services.AddTracevaultMetrics(options.Metrics, metricsListener);

        var app = builder.Build();
        router.MapXRay(app.Services);
        app.UseTrustedProxies(options.TrustedProxies);
        app.UseTracevaultMetrics(options.Metrics);

        // Routing after the metrics port's branch, so that port never reaches the API's or the console's endpoints.
        app.UseRouting();
        app.UseOtlp();
        app.UseMiddleware<ApiDispatcher>();
        app.MapConsole();
        app.MapHealth();

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = BoundEndpoint(app, options.Listen);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tracevault");
        otlpListeners.Started();
        metricsListener.Started();
        OtlpFeature.WarnSkipped(otlpListeners, logger);
        var udp = UdpSegmentListener.Start(
            bound,
            options.UdpReceiveBufferBytes,
            app.Services.GetRequiredService<SegmentIntake>(),
            app.Services.GetRequiredService<ChunkWriter>(),
            app.Services.GetRequiredService<IngestCounters>(),
            data.DefaultAccount.Id,
            new UdpSourcePolicy(options.UdpAllow, app.Services.GetRequiredService<IngestCounters>(), time, logger),
            time,
            logger);
        if (udp.GrantedReceiveBufferBytes < options.UdpReceiveBufferBytes)
        {
            LogMessages.SmallUdpBuffer(logger, udp.GrantedReceiveBufferBytes, options.UdpReceiveBufferBytes);
        }

        if (admin is not null)
        {
            LogMessages.Initialized(logger, data.Description, admin.User.AccountId, admin.User.Name, admin.AccessKeyId);
        }

        if (data.RootKeyInside && data.HoldsDatabase)
        {
            LogMessages.RootKeyInsideDataDirectory(logger, data.RootKeyPath, data.Path);
        }

        if (!options.UsesTls && !IPAddress.IsLoopback(bound.Address))
        {
            LogMessages.InsecureHttp(logger, bound.ToString());
        }

        LogMessages.Ready(logger, $"{(options.UsesTls ? "https" : "http")}://{bound}", data.Description, options.Region);
        LogMessages.OtlpReady(logger, Describe(otlpListeners.Http), Describe(otlpListeners.Grpc));
        if (!IPAddress.IsLoopback(bound.Address))
        {
            LogMessages.UdpAllowed(logger, bound.ToString(), options.UdpAllow.Count == 0 ? "nowhere else (--udp-allow)" : string.Join(", ", options.UdpAllow));
        }

        if (metricsListener.Bound is { } metrics)
        {
            LogMessages.MetricsReady(logger, metrics.ToString());
        }
        else if (metricsListener.Skipped is { } skipped)
        {
            LogMessages.MetricsPortTaken(logger, skipped.ToString());
        }

        return new TracevaultServer(app, udp, bound, certificate, data, admin) { Otlp = otlpListeners };
    }

    /// <summary>Waits until the server is asked to stop.</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _udp.DisposeAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);

        // Drain the writer before reading the counters, so the totals include the UDP segments still queued (disposing twice is harmless).
        await _app.Services.GetRequiredService<ChunkWriter>().DisposeAsync().ConfigureAwait(false);
        var counters = _app.Services.GetRequiredService<IngestCounters>();
        LogMessages.IngestTotals(
            _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tracevault"),
            counters.HttpReceived,
            counters.UdpReceived,
            counters.Stored,
            counters.Rejected,
            counters.DroppedQueueFull,
            counters.DroppedStoringStopped,
            counters.DroppedMalformed,
            counters.UdpDroppedByKernel,
            counters.DroppedSourceNotAllowed);
        OtlpFeature.LogTotals(_app.Services, _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tracevault"));
        await _app.DisposeAsync().ConfigureAwait(false);
        (Data.Storage as IDisposable)?.Dispose();
        _certificate?.Dispose();
    }

    /// <summary>Loads the TLS certificate and key from their PEM files, or returns null when TLS is off.</summary>
    /// <exception cref="InvalidDataException">A file is missing or unreadable, or they are not a PEM certificate and its key.</exception>
    private static X509Certificate2? LoadCertificate(ServerOptions options)
    {
        if (options.TlsCertificatePath is null || options.TlsKeyPath is null)
        {
            return null;
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(options.TlsCertificatePath, options.TlsKeyPath);

            // Re-imported as PKCS#12 so the key is usable by TLS on every platform (an ephemeral PEM key is not, on Windows).
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new InvalidDataException(
                $"Cannot load the TLS certificate {options.TlsCertificatePath} with key {options.TlsKeyPath}: {exception.Message} "
                + "Both must be PEM files: the certificate (chain) and its unencrypted private key.",
                exception);
        }
    }

    private static string Describe(IReadOnlyList<IPEndPoint> endpoints) =>
        endpoints.Count == 0 ? "off" : string.Join(" and ", endpoints.Select(e => e.ToString()));

    private static IPEndPoint BoundEndpoint(WebApplication app, IPEndPoint requested)
    {
        if (requested.Port != 0)
        {
            return requested;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new IPEndPoint(requested.Address, new Uri(address).Port);
    }
}
