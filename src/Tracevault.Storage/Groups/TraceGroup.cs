namespace Tracevault.Storage.Groups;

/// <summary>An X-Ray group of an account: a name, the filter expression that picks its traces, its insights settings and tags.</summary>
/// <remarks>
/// The filter expression is configuration an operator wrote, not trace data: it is kept as written, in the clear, like a sampling
/// rule or an IAM policy (see the README's security section).
/// </remarks>
/// <param name="AccountId">The account the group belongs to.</param>
/// <param name="Name">The group's name, unique in the account (case-sensitive).</param>
/// <param name="Id">The unique id in the group's ARN, new each time a group of that name is created; empty for the <c>Default</c> group.</param>
/// <param name="FilterExpression">The filter expression as written, or <see langword="null"/> when the group holds every trace.</param>
/// <param name="InsightsEnabled">Whether insights are enabled.</param>
/// <param name="NotificationsEnabled">Whether insight notifications are enabled.</param>
/// <param name="Tags">The tags, in the order they were given.</param>
/// <param name="CreatedAt">When the group was created.</param>
public sealed record TraceGroup(
    string AccountId,
    string Name,
    string Id,
    string? FilterExpression,
    bool InsightsEnabled,
    bool NotificationsEnabled,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    DateTimeOffset CreatedAt);
