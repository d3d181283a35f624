namespace Tracevault.Core.Sampling;

/// <summary>The latest boost of a rule, shared by the fleet: its rate, when it started and until when it holds.</summary>
/// <param name="RuleName">The rule.</param>
/// <param name="Rate">The boosted sampling rate.</param>
/// <param name="StartedAt">When the boost started (the cooldown window counts from here).</param>
/// <param name="Until">When the boost ends.</param>
public sealed record SamplingBoostState(string RuleName, double Rate, DateTimeOffset StartedAt, DateTimeOffset Until);
