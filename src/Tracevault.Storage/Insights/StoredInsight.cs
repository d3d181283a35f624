namespace Tracevault.Storage.Insights;

/// <summary>An insight as stored: its group, state and time range in the clear (to find it), everything else sealed.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="InsightId">The insight's id, a UUID.</param>
/// <param name="GroupArn">The group it belongs to.</param>
/// <param name="Active">Whether it is open (<c>ACTIVE</c>); else <c>CLOSED</c>.</param>
/// <param name="StartTime">When it began, in epoch seconds.</param>
/// <param name="EndTime">When it ended, in epoch seconds; null while active.</param>
/// <param name="DataKeyReference">The data key the body is sealed under.</param>
/// <param name="Body">The sealed insight.</param>
public sealed record StoredInsight(string AccountId, string InsightId, string GroupArn, bool Active, long StartTime, long? EndTime, string DataKeyReference, byte[] Body);
