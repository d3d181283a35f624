using Tracevault.Keys.Audit;
using Tracevault.Keys.External;

namespace Tracevault.Server.ExternalKms;

/// <summary>Wires the external key service (<c>--external-kms</c>), or its absence, into the host.</summary>
public static class ExternalKmsRegistration
{
    /// <summary>Registers the <see cref="IExternalKeyService"/> the options name, its cache options and, with a service, the loop that checks its keys.</summary>
    public static IServiceCollection AddExternalKms(this IServiceCollection services, ExternalKmsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.AddSingleton(options.Keys);
        if (options.Endpoint is null)
        {
            services.AddSingleton<IExternalKeyService, NoExternalKeyService>();
            return services;
        }

        services.AddSingleton(options);
        services.AddSingleton<IExternalKeyService>(sp => new AwsExternalKeyService(options, sp.GetRequiredService<IAuditLog>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<AwsExternalKeyService>>()));
        services.AddHostedService<ExternalKeyCheckService>();
        return services;
    }
}
