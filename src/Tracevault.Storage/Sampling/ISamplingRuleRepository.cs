using Tracevault.Core.Sampling;
using Tracevault.Storage.Tagging;

namespace Tracevault.Storage.Sampling;

/// <summary>
/// Sampling rules, the statistics clients report about them and their boosts: deployment data every node shares, so a rule
/// changed through one node applies on all, and each rule's reservoir is split among the whole fleet's clients, whichever node
/// they report to.
/// </summary>
/// <remarks>
/// Every change is visible to every opening of the store once its call returns. The <c>Default</c> rule is stored only once an
/// account has edited it; until then it is not in the store. Holds no trace data.
/// </remarks>
public interface ISamplingRuleRepository
{
    /// <summary>The account's stored rules, by name.</summary>
    Task<IReadOnlyList<StoredSamplingRule>> ListAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>The account's rule of that name, or null.</summary>
    Task<StoredSamplingRule?> FindAsync(string accountId, string ruleName, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a rule unless the account has one of that name or already has <paramref name="maxRules"/> rules besides
    /// <c>Default</c>; decided atomically, so two nodes creating at once never exceed the limit together.
    /// </summary>
    Task<SamplingRuleCreation> CreateAsync(StoredSamplingRule rule, int maxRules, CancellationToken cancellationToken);

    /// <summary>Replaces a stored rule's definition and modification time (its creation time and tags stay); false when the account has no rule of that name.</summary>
    Task<bool> UpdateAsync(StoredSamplingRule rule, CancellationToken cancellationToken);

    /// <summary>Changes a stored rule's tags (nothing else), decided against its tags as stored at that moment, so changes made at once through several nodes all apply and never exceed the limit.</summary>
    Task<TagChangeOutcome> ChangeTagsAsync(string accountId, string ruleName, TagChange change, CancellationToken cancellationToken);

    /// <summary>Deletes a rule with its statistics and boost and returns it, or null when there was none.</summary>
    Task<StoredSamplingRule?> DeleteAsync(string accountId, string ruleName, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>When the account's rules last changed (created, updated or deleted), or null when they never did.</summary>
    Task<DateTimeOffset?> LastChangeAsync(string accountId, CancellationToken cancellationToken);

    /// <summary>Keeps each report as its client's latest for its rule, replacing the one before, and forgets reports received before <paramref name="forgetBefore"/>.</summary>
    Task RecordStatisticsAsync(string accountId, IReadOnlyList<SamplingStatistics> reports, DateTimeOffset forgetBefore, CancellationToken cancellationToken);

    /// <summary>The latest report of every client of the account received at or after <paramref name="since"/>, from every node.</summary>
    Task<IReadOnlyList<SamplingStatistics>> RecentStatisticsAsync(string accountId, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a boost of a rule unless one started after <paramref name="cooldownSince"/> (decided atomically across nodes), and
    /// returns the rule's latest boost: the new one, or the one that kept it from starting.
    /// </summary>
    Task<SamplingBoostState> StartBoostAsync(string accountId, SamplingBoostState boost, DateTimeOffset cooldownSince, CancellationToken cancellationToken);

    /// <summary>The latest boost of each of the account's rules that had one.</summary>
    Task<IReadOnlyList<SamplingBoostState>> BoostsAsync(string accountId, CancellationToken cancellationToken);
}
