using Tracevault.Keys.Kms;

namespace Tracevault.Server.Kms;

/// <summary>Destroys keys whose deletion window has ended, on a timer from the injected clock, so that it happens even when nobody touches them.</summary>
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
