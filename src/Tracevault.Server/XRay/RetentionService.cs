using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay;

/// <summary>Removes trace data older than the retention period, hourly.</summary>
public sealed class RetentionService(ITraceStore store, TraceStoreOptions options, TimeProvider time, ILogger<RetentionService> logger) : BackgroundService
{
    /// <summary>Removes expired chunks once.</summary>
    public int RemoveExpired()
    {
        var cutoff = (time.GetUtcNow() - options.Retention).ToUnixTimeSeconds();
        var removed = store.DeleteOlderThan(cutoff);
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
            RemoveExpired();
            await Task.Delay(TimeSpan.FromHours(1), time, stoppingToken).ConfigureAwait(false);
        }
    }
}
