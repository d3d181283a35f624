using System.Globalization;
using System.Text;

namespace Tracevault.Benchmarks.Load;

/// <summary>The console pages' table against issue 20's target: every page, histogram and map included, ≤ 300 ms at 1 M segments in the range, ≤ 500 ms at 10 M.</summary>
internal static class ConsoleReport
{
    /// <summary>The target's wording.</summary>
    public const string Target = "every page ≤ 300 ms at 1 M segments in the range, ≤ 500 ms at 10 M (issue 20)";

    /// <summary>The target that applies to <paramref name="segmentsInRange"/>: 300 ms up to about 1 M, 500 ms above.</summary>
    public static double TargetMs(long segmentsInRange) => segmentsInRange > 2_000_000 ? 500 : 300;

    /// <summary>The pages measured that miss the target (by their slowest load).</summary>
    public static IEnumerable<ConsolePage> Missed(IReadOnlyList<ConsolePage> pages, long segmentsInRange) =>
        pages.Where(p => p.Latencies.Count > 0 && p.Latencies.MaxMs > TargetMs(segmentsInRange));

    /// <summary>One line: met or missed, the slowest page, the load average.</summary>
    public static string Verdict(IReadOnlyList<ConsolePage> pages, long segmentsInRange, LoadAverage? load)
    {
        var target = TargetMs(segmentsInRange);
        var measured = pages.Where(p => p.Latencies.Count > 0).ToList();
        var slowest = measured.MaxBy(p => p.Latencies.MaxMs);
        var missed = Missed(pages, segmentsInRange).ToList();
        var verdict = missed.Count == 0
            ? Invariant($"met: all {measured.Count} pages ≤ {target:N0} ms")
            : Invariant($"missed by {missed.Count} of {measured.Count} pages ({string.Join(", ", missed.Select(p => p.Name))})");
        return verdict + (slowest is null ? "" : Invariant($"; slowest: {slowest.Name}, p50 {slowest.Latencies.P50Ms:N0} / max {slowest.Latencies.MaxMs:N0} ms")) +
            (load is null ? "" : $"; load average (1/5/15 min) {load}");
    }

    /// <summary>The per-page table: p50, max, the target check, p50 over <paramref name="yardstickMs"/> (a measure of the same run), and what each page counted.</summary>
    public static string Table(IReadOnlyList<ConsolePage> pages, long segmentsInRange, double yardstickMs, string yardstickName)
    {
        var target = TargetMs(segmentsInRange);
        var b = new StringBuilder();
        b.Append(Invariant($"| page | p50 ms | max ms | ≤ {target:N0} ms | first load ms | server CPU ms per load | p50 / {yardstickName} | counted | path |\n|---|---|---|---|---|---|---|---|---|\n"));
        foreach (var page in pages)
        {
            var l = page.Latencies;
            if (l.Count == 0)
            {
                b.Append(Invariant($"| {page.Name} | — | — | — | — | — | — | {page.Counted} | |\n"));
                continue;
            }

            b.Append(Invariant($"| {page.Name} | {l.P50Ms:N0} | {l.MaxMs:N0} | {(l.MaxMs <= target ? "yes" : "**no**")} | {page.FirstMs:N0} | {(page.ServerCpuMs > 0 ? page.ServerCpuMs.ToString("N0", CultureInfo.InvariantCulture) : "—")} | {l.P50Ms / yardstickMs:F2} | {page.Counted} | `{page.Path?.Replace("|", "\\|", StringComparison.Ordinal)}` |\n"));
        }

        return b.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
