namespace Tracevault.Storage.Insights;

/// <summary>An insight's event as stored: its time in the clear, its content sealed.</summary>
/// <param name="AccountId">The account.</param>
/// <param name="InsightId">The insight.</param>
/// <param name="EventTime">When it happened, in epoch seconds; an insight has at most one event a second.</param>
/// <param name="DataKeyReference">The data key the body is sealed under.</param>
/// <param name="Body">The sealed event.</param>
public sealed record StoredInsightEvent(string AccountId, string InsightId, long EventTime, string DataKeyReference, byte[] Body);
