using Tracevault.Core.Traces;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Kms;
using Tracevault.Keys.Settings;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;
using Tracevault.Server.XRay.Groups;
using Tracevault.Server.XRay.Indexing;
using Tracevault.Server.XRay.Insights;
using Tracevault.Server.XRay.ResourcePolicies;
using Tracevault.Server.XRay.Retrievals;
using Tracevault.Server.XRay.Statistics;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>Wires the trace store and X-Ray's operations into the host.</summary>
public static class XRayFeature
{
    /// <summary>Registers the trace store's services.</summary>
    public static IServiceCollection AddXRay(this IServiceCollection services, DataDirectory data, TraceStoreOptions storeOptions, EncryptionSettingsOptions encryptionOptions)
    {
        storeOptions.Validate();
        encryptionOptions.Validate();
        services.AddSingleton(storeOptions);
        services.AddSingleton(encryptionOptions);
        services.AddSingleton<IServiceKeyStore>(_ =>
        {
            var serviceKeys = data.Storage.ServiceKeys;
            serviceKeys.CurrentVersion(); // makes version 1 at the first start, as before versions
            return serviceKeys;
        });
        services.AddSingleton(sp => new DefaultDataKeys(sp.GetRequiredService<IServiceKeyStore>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DefaultDataKeys>>()));
        services.AddSingleton(_ => data.Storage.EncryptionSettings);
        services.AddSingleton<DataKeyPolicy>();
        services.AddSingleton<IDataKeySource>(sp => sp.GetRequiredService<DataKeyPolicy>());
        services.AddSingleton<ITraceIndexKeys>(sp => sp.GetRequiredService<DataKeyPolicy>());
        services.AddSingleton(sp => new EncryptionSettingsService(
            sp.GetRequiredService<KeyService>(),
            sp.GetRequiredService<IEncryptionSettingRepository>(),
            sp.GetRequiredService<DataKeyPolicy>(),
            sp.GetRequiredService<TimeProvider>(),
            encryptionOptions,
            sp.GetRequiredService<Keys.External.IExternalKeyService>(),
            "node-" + Core.Ids.NewHex(8)));
        services.AddSingleton<EncryptionConfigApi>();
        services.AddHostedService<EncryptionPropagationService>();
        services.AddSingleton(_ => data.Storage.Traces);
        services.AddSingleton(sp => new ChunkWriter(
            sp.GetRequiredService<ITraceStore>(), sp.GetRequiredService<IDataKeySource>(), sp.GetRequiredService<ITraceIndexKeys>(), storeOptions,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ChunkWriter>>()));
        services.AddSingleton(sp => new TraceReader(sp.GetRequiredService<ITraceStore>(), sp.GetRequiredService<IDataKeySource>(), sp.GetRequiredService<ITraceIndexKeys>(), sp.GetRequiredService<ILogger<TraceReader>>()));
        services.AddSingleton(sp => new SegmentIntake(sp.GetRequiredService<TimeProvider>(), new SegmentValidationOptions { MaxTraceIdAge = storeOptions.Retention }));
        services.AddSingleton<IngestCounters>();
        services.AddSingleton<XRayIngestApi>();
        services.AddSingleton(_ => data.Storage.Groups);
        services.AddSingleton<GroupService>();
        services.AddSingleton<GroupApi>();
        services.AddSingleton(_ => data.Storage.ResourcePolicies);
        services.AddSingleton<ResourcePolicyService>();
        services.AddSingleton<ResourcePolicyApi>();
        services.AddSingleton<XRayQueryApi>();
        services.AddStatistics(data);
        services.AddSingleton(_ => data.Storage.SamplingRules);
        services.AddSingleton<SamplingRuleService>();
        services.AddSingleton<SamplingApi>();
        services.AddSingleton<Tags.TagApi>();
        services.AddSingleton(sp => new IndexingRuleService(data.Storage.IndexingRules, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IndexingApi>();
        services.AddHostedService<RetentionService>();
        services.AddTraceRetrievals(data);
        services.AddInsights(data);
        return services;
    }

    /// <summary>Maps X-Ray's operations.</summary>
    public static void MapXRay(this ApiRouter router, IServiceProvider services)
    {
        services.GetRequiredService<XRayIngestApi>().Map(router);
        services.GetRequiredService<XRayQueryApi>().Map(router);
        services.GetRequiredService<SamplingApi>().Map(router);
        services.GetRequiredService<EncryptionConfigApi>().Map(router);
        services.GetRequiredService<GroupApi>().Map(router);
        services.GetRequiredService<ResourcePolicyApi>().Map(router);
        services.GetRequiredService<Tags.TagApi>().Map(router);
        services.GetRequiredService<IndexingApi>().Map(router);
        services.GetRequiredService<TraceRetrievalApi>().Map(router);
        services.GetRequiredService<InsightApi>().Map(router);
        services.GetRequiredService<TimeSeriesStatisticsApi>().Map(router);
    }
}
