using System.Globalization;
using System.Text.RegularExpressions;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>What a <c>node --test</c> run reported in TAP: each test's outcome at every level, and the runner's summary counts.</summary>
public sealed partial class NodeTestReport
{
    private NodeTestReport(IReadOnlyList<(string Name, bool Ok, string? Directive)> tests, IReadOnlyDictionary<string, int> counts)
    {
        Tests = tests;
        Counts = counts;
    }

    /// <summary>Every test and subtest reported, in order: its name, whether it was ok, and its SKIP or TODO directive if any.</summary>
    public IReadOnlyList<(string Name, bool Ok, string? Directive)> Tests { get; }

    /// <summary>The summary counts by name (tests, pass, fail, cancelled, skipped, todo).</summary>
    public IReadOnlyDictionary<string, int> Counts { get; }

    /// <summary>Parses the TAP a run wrote.</summary>
    public static NodeTestReport Parse(string tap)
    {
        var tests = TestLine().Matches(tap).Select(m => (m.Groups["name"].Value.Trim(), m.Groups["ok"].Value == "ok", m.Groups["directive"].Success ? m.Groups["directive"].Value.ToUpperInvariant() : null)).ToList();
        var counts = SummaryLine().Matches(tap).ToDictionary(m => m.Groups["name"].Value, m => int.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture), StringComparer.Ordinal);
        return new NodeTestReport(tests, counts);
    }

    /// <summary>
    /// Fails unless the script ran at least one test of its own and every one passed: none failed or was cancelled, and none
    /// was skipped or left to do unless its name is in <paramref name="declaredSkips"/>.
    /// </summary>
    /// <remarks>A script that registers no test still "passes" under <c>node --test</c>, reported as one test named after its file: that one is no test of its own.</remarks>
    public void AssertEveryTestRan(string script, string scriptPath, IReadOnlyCollection<string> declaredSkips, string output)
    {
        foreach (var name in new[] { "tests", "pass", "fail", "cancelled", "skipped", "todo" })
        {
            Assert.True(Counts.ContainsKey(name), $"{script}: the runner's summary has no '# {name}' line:\n{output}");
        }

        var own = Tests.Where(t => t.Name != scriptPath && t.Name != script).ToList();
        Assert.True(own.Count > 0 && Counts["tests"] > 0, $"{script} ran no test:\n{output}");
        Assert.True(Counts["fail"] == 0 && Counts["cancelled"] == 0 && own.All(t => t.Ok), $"{script}: {Counts["fail"]} failed, {Counts["cancelled"]} cancelled:\n{output}");
        var undeclared = own.Where(t => t.Directive is not null && !declaredSkips.Contains(t.Name)).Select(t => $"{t.Name} ({t.Directive})").ToList();
        Assert.True(undeclared.Count == 0, $"{script}: tests skipped or left to do without being declared: {string.Join(", ", undeclared)}\n{output}");
        Assert.True(Counts["pass"] > 0, $"{script} passed no test:\n{output}");
    }

    [GeneratedRegex(@"^\s*(?<ok>not ok|ok) \d+ - (?<name>.*?)(?: # (?<directive>SKIP|TODO)\b.*)?$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex TestLine();

    [GeneratedRegex(@"^# (?<name>tests|suites|pass|fail|cancelled|skipped|todo) (?<count>\d+)$", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
