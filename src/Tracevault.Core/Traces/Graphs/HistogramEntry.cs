namespace Tracevault.Core.Traces.Graphs;

/// <summary>One bucket of a duration or response-time histogram.</summary>
/// <param name="Value">The bucket's time in seconds, rounded to the millisecond.</param>
/// <param name="Count">How many requests fell into the bucket.</param>
public sealed record HistogramEntry(double Value, int Count);
