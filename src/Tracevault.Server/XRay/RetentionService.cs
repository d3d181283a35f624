using Tracevault.Storage;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>Removes trace data older than the retention period, hourly.</summary>
public sealed class RetentionService(ITraceStore store, TraceStoreOptions options, TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    /// <summary>Removes expired chunks once.</summary>
    public async Task<int> RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        var cutoff = (time.GetUtcNow() - options.Retention).ToUnixTimeSeconds();
        var removed = await store.DeleteOlderThanAsync(cutoff, cancellationToken).ConfigureAwait(false);
        if (removed > 0)
        {
            LogMessages.RetentionRemoved(logger, removed);
        }

        return removed;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A delay per round rather than a periodic timer: when a test moves the clock by days, one round runs, not thousands.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RemoveExpiredAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A round that fails (a damaged index, a full disk) is logged with its cause and tried again next hour; left to
                // escape, it would stop the whole server.
                var failure = StorageFailure.Of(exception);
                LogMessages.RetentionFailed(logger, failure is null ? exception.GetType().Name : $"{failure.Code}: {failure.Reason}");
            }

            await Task.Delay(TimeSpan.FromHours(1), time, stoppingToken).ConfigureAwait(false);
        }
    }
}
