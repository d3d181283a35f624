using Tracevault.Server.Hosting;

namespace Tracevault.Server.XRay.Insights;

/// <summary>Wires insights into the host: the store, the sealer, the evaluator and the four operations.</summary>
public static class InsightsFeature
{
    /// <summary>Registers insights' services.</summary>
    public static IServiceCollection AddInsights(this IServiceCollection services, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        services.AddSingleton(sp => sp.GetRequiredService<ServerOptions>().Insights);
        services.AddSingleton(_ => data.Storage.Insights);
        services.AddSingleton<InsightSealer>();
        services.AddSingleton<InsightApi>();
        services.AddSingleton<InsightEvaluator>();
        services.AddHostedService(sp => sp.GetRequiredService<InsightEvaluator>());
        return services;
    }
}
