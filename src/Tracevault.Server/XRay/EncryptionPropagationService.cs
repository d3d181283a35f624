using Tracevault.Keys.Settings;

namespace Tracevault.Server.XRay;

/// <summary>Runs this node's side of encryption-setting propagation: heartbeats, taking up changes, acknowledging them.</summary>
/// <remarks>
/// A failing store fails every round (four a second): the first failure is logged at once, then one line per
/// <see cref="FailureLogInterval"/> with the rounds failed so far, and one line when a round succeeds again.
/// </remarks>
public sealed class EncryptionPropagationService(EncryptionSettingsService settings, EncryptionSettingsOptions options, TimeProvider time, ILogger<EncryptionPropagationService> logger) : BackgroundService
{
    /// <summary>The shortest time between two log lines about failing rounds.</summary>
    public static readonly TimeSpan FailureLogInterval = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failedRounds = 0L;
        var nextFailureLine = DateTimeOffset.MinValue;

        // A delay per round rather than a periodic timer: when a test moves the clock by days, one round runs, not millions.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                settings.PropagateOnce();
                if (failedRounds > 0)
                {
                    LogMessages.PropagationRecovered(logger, failedRounds);
                    failedRounds = 0;
                    nextFailureLine = DateTimeOffset.MinValue;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                failedRounds++;
                if (time.GetUtcNow() >= nextFailureLine)
                {
                    LogMessages.PropagationFailed(logger, failedRounds, exception.GetType().Name, exception.Message);
                    nextFailureLine = time.GetUtcNow() + FailureLogInterval;
                }
            }

            await Task.Delay(options.PropagationInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }
}
