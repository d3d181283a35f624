using Tracevault.Keys.Audit;
using Tracevault.Keys.Kms;
using Tracevault.Server.CloudTrail;
using Tracevault.Server.Hosting;
using Tracevault.Server.Http;

namespace Tracevault.Server.Kms;

/// <summary>Wires the key service, the audit trail and their operations into the server.</summary>
internal static class KmsRegistration
{
    /// <summary>Registers the <see cref="KeyService"/>, the <see cref="IAuditLog"/> and the deletion sweep, and maps the KMS and CloudTrail operations.</summary>
    public static IServiceCollection AddKeyService(this IServiceCollection services, DataDirectory data, ServerOptions options, TimeProvider time, ApiRouter router)
    {
        var kmsOptions = new KmsOptions { Region = options.Region };
        kmsOptions.Validate();
        var (keys, audit) = CreateKeyService(data, kmsOptions, time);
        services.AddSingleton(kmsOptions);
        services.AddSingleton<IAuditLog>(audit);
        services.AddSingleton(keys);
        services.AddHostedService<KeyDeletionSweep>();
        KmsOperations.Map(router, keys);
        CloudTrailOperations.Map(router, audit);
        return services;
    }

    /// <summary>The key service of a data directory over its audit trail, as the server and the offline commands use it.</summary>
    public static (KeyService Keys, IAuditLog Audit) CreateKeyService(DataDirectory data, KmsOptions options, TimeProvider time)
    {
        var audit = data.Storage.Audit;
        return (new KeyService(data.Storage.Keys, audit, data.RootKeys, time, options), audit);
    }
}
