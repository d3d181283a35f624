namespace Tracevault.Storage.Insights;

/// <summary>Where insights and the per-minute statistics they are decided from are kept, shared by every node.</summary>
/// <remarks>
/// Thread-safe, and safe across nodes: a group's minutes are evaluated in order, each by one node, through
/// <see cref="TryClaimMinuteAsync"/> — one conditional update of the group's row, which only one claimant can win.
/// The repository keeps what it is given: sealing is the caller's.
/// </remarks>
public interface IInsightRepository
{
    /// <summary>
    /// Claims the evaluation of a group's minute: true when no minute at or after it was claimed and no other claim is held
    /// (its lease, until <paramref name="leaseUntil"/>, not yet run out at <paramref name="now"/>), so the caller alone evaluates it.
    /// </summary>
    Task<bool> TryClaimMinuteAsync(string accountId, string groupArn, long minute, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Gives up the claim on a minute once it is evaluated, so the next minute can be claimed at once.</summary>
    Task ReleaseMinuteAsync(string accountId, string groupArn, long minute, CancellationToken cancellationToken);

    /// <summary>The last minute of the group claimed, or null when none ever was.</summary>
    Task<long?> FindLastClaimedMinuteAsync(string accountId, string groupArn, CancellationToken cancellationToken);

    /// <summary>Keeps a minute's statistics, replacing those kept for that minute.</summary>
    Task SaveMinuteAsync(SealedInsightMinute minute, CancellationToken cancellationToken);

    /// <summary>The group's minutes in <c>[fromMinute, toMinute]</c>, oldest first.</summary>
    Task<IReadOnlyList<SealedInsightMinute>> ListMinutesAsync(string accountId, string groupArn, long fromMinute, long toMinute, CancellationToken cancellationToken);

    /// <summary>Forgets the group's minutes before <paramref name="minute"/>; answers how many.</summary>
    Task<int> DeleteMinutesBeforeAsync(string accountId, string groupArn, long minute, CancellationToken cancellationToken);

    /// <summary>Keeps an insight, replacing the one of that id.</summary>
    Task SaveInsightAsync(StoredInsight insight, CancellationToken cancellationToken);

    /// <summary>An insight of the account by id, or null.</summary>
    Task<StoredInsight?> FindInsightAsync(string accountId, string insightId, CancellationToken cancellationToken);

    /// <summary>The group's active insight, or null.</summary>
    Task<StoredInsight?> FindActiveInsightAsync(string accountId, string groupArn, CancellationToken cancellationToken);

    /// <summary>
    /// The group's insights (only active or only closed ones when <paramref name="active"/> says so) that were open at some time in
    /// <c>[from, to)</c> (epoch seconds): started before <paramref name="to"/>, and not ended before <paramref name="from"/>; newest start first.
    /// </summary>
    Task<IReadOnlyList<StoredInsight>> ListInsightsAsync(string accountId, string groupArn, bool? active, long from, long to, CancellationToken cancellationToken);

    /// <summary>Records an insight's event, replacing one at the same second.</summary>
    Task AddEventAsync(StoredInsightEvent insightEvent, CancellationToken cancellationToken);

    /// <summary>An insight's events, oldest first.</summary>
    Task<IReadOnlyList<StoredInsightEvent>> ListEventsAsync(string accountId, string insightId, CancellationToken cancellationToken);
}
