namespace Tracevault.Core.Sampling;

/// <summary>A rule's permission to raise its sampling rate for a while when clients report anomalies.</summary>
/// <param name="MaxRate">The highest rate a boost may give, 0 to 1.</param>
/// <param name="CooldownWindowMinutes">The window in which at most one boost starts, in minutes.</param>
public sealed record SamplingRateBoost(double MaxRate, int CooldownWindowMinutes);
