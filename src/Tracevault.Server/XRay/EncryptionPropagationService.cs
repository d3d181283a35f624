using Tracevault.Keys.Settings;

namespace Tracevault.Server.XRay;

/// <summary>Runs this node's side of encryption-setting propagation: heartbeats, taking up changes, acknowledging them.</summary>
public sealed class EncryptionPropagationService(EncryptionSettingsService settings, EncryptionSettingsOptions options, TimeProvider time, ILogger<EncryptionPropagationService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.PropagationInterval, time);
        do
        {
            try
            {
                settings.PropagateOnce();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogMessages.PropagationFailed(logger, exception.GetType().Name, exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
