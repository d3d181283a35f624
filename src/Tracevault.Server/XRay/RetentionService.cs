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
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        do
        {
            RemoveExpired();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
