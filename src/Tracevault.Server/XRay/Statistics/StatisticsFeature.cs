using Tracevault.Keys.Envelope;
using Tracevault.Server.Hosting;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay.Statistics;

/// <summary>Wires the kept statistics' reader, query service and API into the host.</summary>
public static class StatisticsFeature
{
    /// <summary>Registers the statistics services.</summary>
    public static IServiceCollection AddStatistics(this IServiceCollection services, DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        services.AddSingleton(sp => new StatisticsReader(data.Storage.Statistics, sp.GetRequiredService<IDataKeySource>(), sp.GetRequiredService<ILogger<StatisticsReader>>()));
        services.AddSingleton<ServiceStatisticsService>();
        services.AddSingleton<TraceFactsQuery>();
        services.AddSingleton<TimeSeriesStatisticsApi>();
        return services;
    }
}
