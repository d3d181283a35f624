namespace Tracevault.Keys.Audit;

/// <summary>One CloudTrail-format record in one account's trail, with the fields lookups filter on.</summary>
/// <param name="EventId">The event's UUID.</param>
/// <param name="RecipientAccountId">The account whose trail holds it.</param>
/// <param name="EventTime">When the call was made.</param>
/// <param name="EventSource">The service, e.g. <c>kms.amazonaws.com</c>.</param>
/// <param name="EventName">The operation, e.g. <c>Decrypt</c>.</param>
/// <param name="ReadOnly">Whether the call only read.</param>
/// <param name="Username">The caller's user name, or the service's name.</param>
/// <param name="AccessKeyId">The access key that signed the call, or an empty string.</param>
/// <param name="ResourceArns">The key ARNs the call touched.</param>
/// <param name="RecordJson">The full CloudTrail record as JSON.</param>
public sealed record AuditEvent(
    string EventId,
    string RecipientAccountId,
    DateTimeOffset EventTime,
    string EventSource,
    string EventName,
    bool ReadOnly,
    string Username,
    string AccessKeyId,
    IReadOnlyList<string> ResourceArns,
    string RecordJson);
