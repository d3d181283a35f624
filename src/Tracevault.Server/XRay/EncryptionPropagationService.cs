using Tracevault.Keys.Settings;

namespace Tracevault.Server.XRay;

/// <summary>Runs this node's side of encryption-setting propagation: heartbeats, taking up changes, acknowledging them.</summary>
public sealed class EncryptionPropagationService(EncryptionSettingsService settings, EncryptionSettingsOptions options, TimeProvider time, ILogger<EncryptionPropagationService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A delay per round rather than a periodic timer: when a test moves the clock by days, one round runs, not millions.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                settings.PropagateOnce();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogMessages.PropagationFailed(logger, exception.GetType().Name, exception.Message);
            }

            await Task.Delay(options.PropagationInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }
}
