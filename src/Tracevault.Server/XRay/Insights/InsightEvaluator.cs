using System.Security.Cryptography;
using System.Text.Json;
using Tracevault.Core;
using Tracevault.Core.Identity;
using Tracevault.Core.Insights;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;
using Tracevault.Keys.Envelope;
using Tracevault.Keys.Identity;
using Tracevault.Keys.Settings;
using Tracevault.Server.XRay.Groups;
using Tracevault.Storage;
using Tracevault.Storage.Groups;
using Tracevault.Storage.Insights;
using Tracevault.Storage.Traces;

namespace Tracevault.Server.XRay.Insights;

/// <summary>
/// Evaluates the groups with insights enabled, one round per <see cref="InsightsOptions.EvaluationInterval"/>: each minute that has
/// ended (and settled, <see cref="InsightsOptions.SettleTime"/>) and was not evaluated yet is claimed, its traces read and counted,
/// the counts sealed and kept, and the group's insight opened, brought up to date or closed (<see cref="InsightDecider"/>).
/// </summary>
/// <remarks>
/// Several nodes sharing a store each run it; a group's minutes are claimed in order through the store
/// (<see cref="IInsightRepository.TryClaimMinuteAsync"/>), so each is evaluated by one node and no insight is opened twice.
/// The traces are read as Tracevault's own service principal, through the same reader and filter expressions queries use.
/// </remarks>
public sealed class InsightEvaluator(
    IInsightRepository insights,
    InsightSealer sealer,
    GroupService groups,
    IdentityService identity,
    TraceReader reader,
    TraceStoreOptions storeOptions,
    InsightsOptions options,
    TimeProvider time,
    ILogger<InsightEvaluator> logger) : BackgroundService
{
    /// <summary>Evaluates every minute due now of every group with insights enabled; answers how many minutes this node evaluated.</summary>
    public async Task<int> EvaluateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var latest = (((now - options.SettleTime).ToUnixTimeSeconds() / 60) * 60) - 60;
        var evaluated = 0;
        foreach (var account in identity.ListAccounts())
        {
            foreach (var group in groups.List(account.Id).Where(g => g.InsightsEnabled))
            {
                evaluated += await EvaluateGroupAsync(group, latest, now, cancellationToken).ConfigureAwait(false);
            }
        }

        return evaluated;
    }

    /// <summary>How many rounds this node has completed since it started (failed ones included).</summary>
    public long RoundsCompleted => Interlocked.Read(ref _rounds);

    private long _rounds;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // One round per interval, the next interval counted from the start of the round: when a test moves the clock by an
        // interval after a round, the next round is due; when it moves it by hours, one round runs (and catches up), not hundreds.
        var next = Task.Delay(options.EvaluationInterval, time, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await next.ConfigureAwait(false);
            next = Task.Delay(options.EvaluationInterval, time, stoppingToken);
            try
            {
                await EvaluateAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A round that fails (the database away) is logged and tried again next round; left to escape, it would stop the server.
                var failure = StorageFailure.Of(exception);
                LogMessages.InsightRoundFailed(logger, failure is null ? exception.GetType().Name : $"{failure.Code}: {failure.Reason}");
            }

            Interlocked.Increment(ref _rounds);
        }
    }

    private async Task<int> EvaluateGroupAsync(TraceGroup group, long latest, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var arn = groups.Arn(group);
        var last = await insights.FindLastClaimedMinuteAsync(group.AccountId, arn, cancellationToken).ConfigureAwait(false);
        var first = latest - ((options.CatchUpMinutes - 1) * 60L);
        var from = last is { } claimed ? Math.Max(claimed + 60, first) : first;
        var evaluated = 0;
        for (var minute = from; minute <= latest; minute += 60)
        {
            if (!await insights.TryClaimMinuteAsync(group.AccountId, arn, minute, now, now + options.ClaimLease, cancellationToken).ConfigureAwait(false))
            {
                // Another node holds the group (or went past this minute): it goes on from here.
                break;
            }

            try
            {
                await EvaluateMinuteAsync(group, arn, minute, cancellationToken).ConfigureAwait(false);
                evaluated++;
            }
            catch (Exception exception) when (exception is StoringStoppedException or DataKeyAccessException or CryptographicException or JsonException)
            {
                // The account's key cannot be used, or a record does not open: nothing is written for the minute, and nothing unsealed.
                LogMessages.InsightMinuteSkipped(logger, arn, DateTimeOffset.FromUnixTimeSeconds(minute), exception.GetType().Name);
            }
            finally
            {
                await insights.ReleaseMinuteAsync(group.AccountId, arn, minute, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return evaluated;
    }

    private async Task EvaluateMinuteAsync(TraceGroup group, string arn, long minute, CancellationToken cancellationToken)
    {
        var account = group.AccountId;
        var service = Caller.ForService(account, DataKeyPolicy.ServicePrincipal);
        var filter = group.FilterExpression is { } text ? groups.ParseFilter(account, text) : null;
        var counts = InsightMinute.From(minute, await ReadMinuteAsync(account, minute, filter, service, cancellationToken).ConfigureAwait(false));
        await insights.SaveMinuteAsync(sealer.Seal(account, arn, counts), cancellationToken).ConfigureAwait(false);

        var detection = options.Detection;
        var sealedHistory = await insights.ListMinutesAsync(account, arn, minute - (options.CatchUpMinutes * 60L), minute, cancellationToken).ConfigureAwait(false);
        var history = sealedHistory.Select(m => sealer.Open(m, service)).ToList();
        var stored = await insights.FindActiveInsightAsync(account, arn, cancellationToken).ConfigureAwait(false);
        var open = stored is null ? null : sealer.Open(stored, service);
        var decision = InsightDecider.Decide(open, history, minute, detection, Ids.NewUuid);
        if (decision.Insight is { } insight)
        {
            await insights.SaveInsightAsync(sealer.Seal(account, arn, insight), cancellationToken).ConfigureAwait(false);
            if (decision.Event is { } insightEvent)
            {
                await insights.AddEventAsync(sealer.Seal(account, insight.InsightId, insightEvent), cancellationToken).ConfigureAwait(false);
            }

            if (decision.Change == InsightChange.Opened)
            {
                LogMessages.InsightOpened(logger, arn, insight.InsightId, DateTimeOffset.FromUnixTimeSeconds(insight.StartTime));
            }
            else if (decision.Change == InsightChange.Closed)
            {
                LogMessages.InsightClosed(logger, arn, insight.InsightId, DateTimeOffset.FromUnixTimeSeconds(insight.EndTime!.Value));
            }
        }

        // The minutes are trace data: kept as long as traces are (impact graphs read them), then forgotten.
        var expired = (time.GetUtcNow() - storeOptions.Retention).ToUnixTimeSeconds();
        await insights.DeleteMinutesBeforeAsync(account, arn, Math.Min(expired, minute - (options.CatchUpMinutes * 60L)), cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<AssembledTrace>> ReadMinuteAsync(string account, long minute, FilterExpression? filter, Caller service, CancellationToken cancellationToken)
    {
        var traces = new List<AssembledTrace>();
        var batches = await reader.ReadNewestFirstAsync(account, minute, minute + 60, service, cancellationToken).ConfigureAwait(false);
        await foreach (var batch in batches.ConfigureAwait(false))
        {
            traces.AddRange(batch
                .Where(t => t.Date >= minute && t.Date < minute + 60)
                .Select(t => TraceAssembler.Assemble(t.TraceId, t.Segments.Select(s => s.Document)))
                .Where(t => filter is null || filter.Matches(t)));
        }

        return traces;
    }
}
