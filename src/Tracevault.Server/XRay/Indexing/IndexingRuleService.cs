using System.Collections.Concurrent;
using Tracevault.Core.Indexing;
using Tracevault.Storage.Indexing;

namespace Tracevault.Server.XRay.Indexing;

/// <summary>Each account's indexing rule: read and changed for the API, and the percentage OTLP ingest decides by.</summary>
/// <remarks>
/// Thread-safe. The rule lives in the store every node shares; ingest reads it at most once a second per account and node, so a
/// change made through one node applies on that node at once and on every other within a second.
/// </remarks>
public sealed class IndexingRuleService
{
    /// <summary>How long a node decides by the percentage it last read before reading it again.</summary>
    public static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(1);

    private readonly IIndexingRuleRepository _rules;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (double Percentage, long ReadAt)> _inForce = new(StringComparer.Ordinal);

    /// <summary>Creates the service.</summary>
    public IndexingRuleService(IIndexingRuleRepository rules, TimeProvider time)
    {
        _rules = rules;
        _time = time;
    }

    /// <summary>The account's <c>Default</c> rule: as stored, or as every account starts (<see cref="IndexingRule.DefaultPercentage"/>, modified at the Unix epoch).</summary>
    public async Task<StoredIndexingRule> GetAsync(string accountId, CancellationToken cancellationToken) =>
        await _rules.FindAsync(accountId, IndexingRule.DefaultName, cancellationToken).ConfigureAwait(false)
        ?? new StoredIndexingRule(accountId, IndexingRule.DefaultName, IndexingRule.DefaultPercentage, DateTimeOffset.UnixEpoch);

    /// <summary>Sets the account's <c>Default</c> rule to <paramref name="percentage"/> (already checked with <see cref="IndexingRule.IsValidPercentage"/>) and returns it.</summary>
    public async Task<StoredIndexingRule> UpdateAsync(string accountId, double percentage, CancellationToken cancellationToken)
    {
        var rule = new StoredIndexingRule(accountId, IndexingRule.DefaultName, percentage, DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds()));
        await _rules.SaveAsync(rule, cancellationToken).ConfigureAwait(false);
        _inForce[accountId] = (percentage, _time.GetTimestamp());
        return rule;
    }

    /// <summary>The percentage of trace ids indexed for spans of <paramref name="accountId"/> arriving now.</summary>
    /// <exception cref="System.Data.Common.DbException">The store cannot answer.</exception>
    public async ValueTask<double> PercentageInForceAsync(string accountId, CancellationToken cancellationToken)
    {
        if (_inForce.TryGetValue(accountId, out var known) && _time.GetElapsedTime(known.ReadAt) < ReadEvery)
        {
            return known.Percentage;
        }

        var readAt = _time.GetTimestamp();
        var percentage = (await GetAsync(accountId, cancellationToken).ConfigureAwait(false)).DesiredSamplingPercentage;
        _inForce[accountId] = (percentage, readAt);
        return percentage;
    }
}
