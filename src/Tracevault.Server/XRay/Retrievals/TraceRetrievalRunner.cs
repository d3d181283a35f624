using Tracevault.Storage;
using Tracevault.Storage.Retrievals;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay.Retrievals;

/// <summary>
/// Runs the retrievals any node started: claims the oldest scheduled one (no two nodes get the same), finds the chunks that hold
/// its traces in its time range through the blind index (nothing is decrypted: the caller's own rights open them when listed),
/// and completes it; times out and deletes old ones.
/// </summary>
public sealed class TraceRetrievalRunner : BackgroundService
{
    private readonly ITraceRetrievalRepository _retrievals;
    private readonly ITraceStore _store;
    private readonly TraceRetrievalOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<TraceRetrievalRunner> _logger;
    private readonly SemaphoreSlim _started = new(0, 1);

    /// <summary>Creates the runner.</summary>
    public TraceRetrievalRunner(ITraceRetrievalRepository retrievals, ITraceStore store, TraceRetrievalOptions options, TimeProvider time, ILogger<TraceRetrievalRunner> logger)
    {
        _retrievals = retrievals;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Tells the runner a retrieval was started on this node, so it need not wait for its next look.</summary>
    public void Wake()
    {
        if (_started.CurrentCount == 0)
        {
            try
            {
                _started.Release();
            }
            catch (SemaphoreFullException)
            {
                // Woken twice at once: once is enough.
            }
        }
    }

    /// <summary>Runs every scheduled retrieval there is now, after timing out and deleting old ones.</summary>
    public async Task RunScheduledAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var (timedOut, _) = await _retrievals.ExpireAsync(now - (long)_options.Timeout.TotalSeconds, now - (long)_options.Lifetime.TotalSeconds, cancellationToken).ConfigureAwait(false);
        if (timedOut > 0)
        {
            LogMessages.RetrievalsTimedOut(_logger, timedOut);
        }

        while (await _retrievals.ClaimNextAsync(_time.GetUtcNow().ToUnixTimeSeconds(), cancellationToken).ConfigureAwait(false) is { } retrieval)
        {
            await RunAsync(retrieval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Run)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunScheduledAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The store did not answer (or failed): the next look tries again, and a retrieval claimed meanwhile times out if
                // no node finishes it. Left to escape, it would stop the whole server.
                var failure = StorageFailure.Of(exception);
                LogMessages.RetrievalStoreUnavailable(_logger, failure?.Code ?? exception.GetType().Name, failure?.Reason ?? "no database failure");
            }

            using var delay = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var woken = _started.WaitAsync(delay.Token);
            await Task.WhenAny(woken, Task.Delay(_options.PollInterval, _time, delay.Token)).ConfigureAwait(false);
            await delay.CancelAsync().ConfigureAwait(false);
            try
            {
                await woken.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The delay ended first, or the host is stopping.
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _started.Dispose();
        base.Dispose();
    }

    private async Task RunAsync(TraceRetrieval retrieval, CancellationToken cancellationToken)
    {
        List<long> chunkIds;
        RetrievalStatus outcome;
        try
        {
            // The chunk's time range is minute-rounded and plaintext: which chunks may hold the range is known without opening them.
            var from = (long)Math.Floor(retrieval.StartTime);
            var to = (long)Math.Ceiling(retrieval.EndTime);
            var chunks = retrieval.TraceHashes.Count == 0 ? [] : await _store.FindByTraceHashesAsync(retrieval.AccountId, retrieval.TraceHashes, cancellationToken).ConfigureAwait(false);
            chunkIds = chunks.Where(c => c.MaxTime >= from && c.MinTime <= to).Select(c => c.Id).Distinct().Order().ToList();
            outcome = RetrievalStatus.Complete;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var failure = StorageFailure.Of(exception);
            LogMessages.RetrievalFailed(_logger, retrieval.AccountId, failure?.Code ?? exception.GetType().Name, failure?.Reason ?? "no database failure");
            chunkIds = [];
            outcome = RetrievalStatus.Failed;
        }

        // Only a retrieval still running ends so: one cancelled meanwhile stays cancelled.
        if (await _retrievals.FinishAsync(retrieval.AccountId, retrieval.Id, outcome, chunkIds, _time.GetUtcNow().ToUnixTimeSeconds(), cancellationToken).ConfigureAwait(false))
        {
            LogMessages.RetrievalFinished(_logger, retrieval.AccountId, RetrievalStatusNames.Of(outcome), chunkIds.Count);
        }
    }
}
