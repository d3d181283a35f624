using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Tracevault.Keys;
using Tracevault.Server.Http;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.Metrics;

/// <summary>Wires Prometheus metrics into the host: the instruments always, and <c>GET /metrics</c> on its own listener when one is asked for.</summary>
/// <remarks>
/// The code measures with System.Diagnostics.Metrics alone; OpenTelemetry's Prometheus exporter turns the meters into Prometheus'
/// text format. The endpoint is served on its own listener, never on the API's port: it answers without a signature (as scrapers
/// expect), so it is kept where the operator chooses (loopback by default) and the API's port, which may face the network,
/// reveals nothing of the server's traffic.
/// </remarks>
public static class MetricsFeature
{
    /// <summary>The path of the scrape endpoint.</summary>
    public const string Path = "/metrics";

    /// <summary>Registers the instruments and, when metrics are served, the exporter; adds the metrics listener to Kestrel.</summary>
    public static IServiceCollection AddTracevaultMetrics(this IServiceCollection services, MetricsOptions options, MetricsListener listener)
    {
        services.AddSingleton(listener);
        services.AddSingleton<RequestMetrics>();
        services.AddSingleton<ServerMetrics>();
        if (options.Listen is not null)
        {
            services.AddOpenTelemetry()
                .ConfigureResource(resource => resource.AddService("tracevault", serviceVersion: typeof(MetricsFeature).Assembly.GetName().Version?.ToString()))
                .WithMetrics(metrics => metrics
                .AddMeter(RequestMetrics.MeterName, KeyMetrics.MeterName, ChunkMetrics.MeterName, "System.Runtime")
                .AddPrometheusExporter(exporter =>
                {
                    // Every scrape reads the counters afresh: a test, or an operator, sees what was just sent.
                    exporter.ScrapeResponseCacheDurationMilliseconds = 0;
                }));
        }

        return services;
    }

    /// <summary>Serves <c>GET /metrics</c> on the metrics listener, and nothing else there; the other ports pass on to the rest of the pipeline.</summary>
    public static void UseTracevaultMetrics(this WebApplication app, MetricsOptions options)
    {
        // Built now, so the observed instruments exist from the start.
        app.Services.GetRequiredService<ServerMetrics>();
        if (options.Listen is null)
        {
            return;
        }

        var listener = app.Services.GetRequiredService<MetricsListener>();
        app.MapWhen(context => listener.IsMetricsPort(context.Connection.LocalPort), metricsPort =>
        {
            metricsPort.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Request.Path == Path && HttpMethods.IsGet(context.Request.Method));
            metricsPort.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
    }
}
