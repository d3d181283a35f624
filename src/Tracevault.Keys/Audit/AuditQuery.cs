namespace Tracevault.Keys.Audit;

/// <summary>A LookupEvents query over one account's trail.</summary>
/// <param name="AccountId">The account whose trail is read.</param>
/// <param name="AttributeKey">The one lookup attribute, or null: EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource or AccessKeyId.</param>
/// <param name="AttributeValue">The attribute's value.</param>
/// <param name="StartTime">The earliest event time, inclusive.</param>
/// <param name="EndTime">The latest event time, inclusive.</param>
/// <param name="MaxResults">The page size.</param>
/// <param name="BeforeSequence">Continue with records older than this sequence number (from a NextToken).</param>
public sealed record AuditQuery(string AccountId, string? AttributeKey, string? AttributeValue, DateTimeOffset? StartTime, DateTimeOffset? EndTime, int MaxResults, long? BeforeSequence);
