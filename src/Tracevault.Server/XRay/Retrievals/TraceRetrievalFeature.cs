using Tracevault.Server.Hosting;

namespace Tracevault.Server.XRay.Retrievals;

/// <summary>Wires trace retrievals into the host.</summary>
public static class TraceRetrievalFeature
{
    /// <summary>Registers the retrieval repository, its runner, service and API, with the options registered before (or the defaults).</summary>
    public static IServiceCollection AddTraceRetrievals(this IServiceCollection services, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        services.AddSingleton(sp =>
        {
            var options = sp.GetService<ServerOptions>()?.Retrievals ?? new TraceRetrievalOptions();
            options.Validate();
            return options;
        });
        services.AddSingleton(_ => data.Storage.TraceRetrievals);
        services.AddSingleton<TraceRetrievalRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<TraceRetrievalRunner>());
        services.AddSingleton<TraceRetrievalService>();
        services.AddSingleton<TraceRetrievalApi>();
        return services;
    }
}
