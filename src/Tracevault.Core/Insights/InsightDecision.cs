namespace Tracevault.Core.Insights;

/// <summary>The outcome of one minute's evaluation: the insight as it now is, and the event to record, if any.</summary>
/// <param name="Change">What happened.</param>
/// <param name="Insight">The insight after the minute (null when there is none).</param>
/// <param name="Event">The event to record, when the impact changed.</param>
public sealed record InsightDecision(InsightChange Change, InsightState? Insight, InsightEventRecord? Event);
