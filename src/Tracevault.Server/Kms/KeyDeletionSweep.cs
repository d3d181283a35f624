using Tracevault.Keys.Kms;

namespace Tracevault.Server.Kms;

/// <summary>Destroys keys whose deletion window has ended, and deletes imported key material that expired, on a timer from the injected clock, so that it happens even when nobody touches them.</summary>
internal sealed class KeyDeletionSweep(KeyService keys, TimeProvider time, KmsOptions options, ILogger<KeyDeletionSweep> logger) : IHostedService, IDisposable
{
    private ITimer? _timer;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(_ => Sweep(), null, options.DeletionSweepInterval, options.DeletionSweepInterval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void Sweep()
    {
        try
        {
            // Expired material first: the erasing DestroyDueKeys does then covers its sealed versions too.
            var expired = keys.ExpireDueMaterial();
            if (expired > 0)
            {
                LogMessages.ImportedMaterialExpired(logger, expired);
            }

            var destroyed = keys.DestroyDueKeys();
            if (destroyed > 0)
            {
                LogMessages.KeysDestroyed(logger, destroyed);
            }

            if (keys.ErasePending)
            {
                LogMessages.KeyMaterialEraseDeferred(logger, options.DeletionSweepInterval);
            }
        }
        catch (Exception exception)
        {
            LogMessages.KeySweepFailed(logger, exception.GetType().Name);
        }
    }
}
