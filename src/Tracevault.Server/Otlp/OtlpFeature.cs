using Grpc.AspNetCore.Server.Model;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tracevault.Server.Otlp;

/// <summary>Wires OpenTelemetry ingest into the host: <c>/v1/traces</c> on the main port, OTLP/HTTP and OTLP/gRPC on their own ports.</summary>
public static class OtlpFeature
{
    /// <summary>Registers OTLP's services and adds its listeners to Kestrel.</summary>
    public static IServiceCollection AddOtlp(this IServiceCollection services, OtlpOptions options, OtlpListeners listeners)
    {
        services.AddSingleton(options);
        services.AddSingleton(listeners);
        services.AddSingleton<OtlpCounters>();
        services.AddSingleton<OtlpCallers>();
        services.AddSingleton<OtlpIngest>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<OtlpGrpcService>, OtlpGrpcMethods>());
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = OtlpIngest.MaxRequestBytes;
            grpc.EnableDetailedErrors = false;
        });
        return services;
    }

    /// <summary>Puts OTLP in front of the rest of the pipeline (it serves <c>/v1/traces</c> and its own ports, passes on the rest) and maps the gRPC service.</summary>
    public static void UseOtlp(this WebApplication app)
    {
        app.UseMiddleware<OtlpHttpEndpoint>();
        app.MapGrpcService<OtlpGrpcService>();
    }

    /// <summary>Logs one warning line per default OTLP port that was taken.</summary>
    public static void WarnSkipped(OtlpListeners listeners, ILogger logger)
    {
        foreach (var skipped in listeners.Skipped)
        {
            LogMessages.OtlpPortTaken(logger, skipped);
        }
    }

    /// <summary>Logs the OTLP ingest totals at stop.</summary>
    public static void LogTotals(IServiceProvider services, ILogger logger)
    {
        var counts = services.GetRequiredService<OtlpCounters>().Snapshot();
        LogMessages.OtlpTotals(logger, counts.Received, counts.Stored, counts.RejectedInvalid, counts.RejectedTooLarge, counts.RejectedStoringStopped, counts.RejectedStorageFull, counts.RejectedUnavailable,
            counts.RequestsMalformed, counts.RequestsOverLimit, counts.RequestsUnauthenticated, counts.RequestsPermissionDenied, counts.RequestsFailed);
    }
}
