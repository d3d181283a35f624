namespace Tracevault.Benchmarks.Load;

/// <summary>One console page's latencies, the path loaded (null when the page linking to it had no such link) and what it said it counted.</summary>
internal sealed record ConsolePage(string Name, Latencies Latencies, string? Path = null, string? Counted = null);
