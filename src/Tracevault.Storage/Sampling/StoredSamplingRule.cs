using Tracevault.Core.Sampling;

namespace Tracevault.Storage.Sampling;

/// <summary>A sampling rule as an account keeps it: the rule, when it was made and last changed, and its tags.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="Rule">The rule.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="ModifiedAt">When it was last changed.</param>
/// <param name="Tags">Its tags, in the order given.</param>
public sealed record StoredSamplingRule(string AccountId, SamplingRule Rule, DateTimeOffset CreatedAt, DateTimeOffset ModifiedAt, IReadOnlyList<KeyValuePair<string, string>> Tags);
