namespace Tracevault.Storage.Indexing;

/// <summary>An indexing rule as an account keeps it: its name, percentage and when it was last changed.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="Name">The rule's name.</param>
/// <param name="DesiredSamplingPercentage">The percentage of trace ids indexed, from 0 to 100.</param>
/// <param name="ModifiedAt">When it was last changed.</param>
public sealed record StoredIndexingRule(string AccountId, string Name, double DesiredSamplingPercentage, DateTimeOffset ModifiedAt);
