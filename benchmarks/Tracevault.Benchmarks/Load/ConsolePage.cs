namespace Tracevault.Benchmarks.Load;

/// <summary>One console page's latencies, the path loaded (null when the page linking to it had no such link), what it said it counted, its first (untimed in the latencies) load's ms, and the server's CPU ms per timed load (0 when not measured).</summary>
internal sealed record ConsolePage(string Name, Latencies Latencies, string? Path = null, string? Counted = null, double FirstMs = 0, double ServerCpuMs = 0);
