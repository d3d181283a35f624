using Tracevault.Keys.Settings;

namespace Tracevault.Server.ExternalKms;

/// <summary>Checks the external keys this node applies, once a second for those due (<see cref="DataKeyPolicy.CheckExternalKeys"/>), apart from propagation so a slow key service never delays it.</summary>
public sealed class ExternalKeyCheckService(DataKeyPolicy policy, TimeProvider time, ILogger<ExternalKeyCheckService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                policy.CheckExternalKeys();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogMessages.ExternalKeyCheckFailed(logger, exception.GetType().Name, exception.Message);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
        }
    }
}
