using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;

namespace Tracevault.Core.Tests.Traces.Filters;

/// <summary><c>group.name = "…"</c> and <c>group.arn = "…"</c>: the named group's filter expression stands in their place.</summary>
public sealed class GroupFilterTests
{
    private const string FaultsArn = "arn:aws:xray:us-east-1:123456789012:group/faults/ABC";

    private static readonly IReadOnlyDictionary<string, AssembledTrace> Corpus = TraceCorpus.All();

    private static string? Groups(FilterGroupReference group) => (group.ByArn, group.Value) switch
    {
        (false, "faults") or (true, FaultsArn) => """service("orders") { fault }""",
        (false, "Default") => string.Empty,
        (false, "alice") => """user = "alice" """,
        _ => null,
    };

    private static string Matching(string expression)
    {
        var filter = FilterExpression.Parse(expression, Groups);
        return string.Concat(Corpus.Where(pair => filter.Matches(pair.Value)).Select(pair => pair.Key));
    }

    [Theory]
    [InlineData("""group.name = "faults" """, "A")]
    [InlineData($"""group.arn = "{FaultsArn}" """, "A")]
    [InlineData("""group.name = "Default" """, "ABCDE")]
    [InlineData("""group.name = "alice" AND throttle""", "C")]
    [InlineData("""group.name = "alice" AND NOT group.name = "faults" """, "C")]
    [InlineData("""group.name = "faults" OR user = "carol" """, "AE")]
    public void Matches_Corpus_AppliesTheGroupsExpression(string expression, string expected)
    {
        Assert.Equal(expected, Matching(expression));
    }

    [Theory]
    [InlineData("""group.name = "nope" """, 13, "there is no group named 'nope'")]
    [InlineData("""group.arn = "arn:aws:xray:us-east-1:123456789012:group/nope/X" """, 12, "there is no group with the ARN")]
    [InlineData("""group.name != "faults" """, 11, "expected '=' after 'group.name'")]
    [InlineData("group.name = faults", 13, "expected a quoted group name for 'group.name'")]
    [InlineData("""service("api") { group.name = "faults" }""", 17, "cannot be used inside a sub-filter")]
    public void Parse_BadGroupReference_ThrowsNamingTheProblem(string expression, int position, string reason)
    {
        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse(expression, Groups));

        Assert.Contains(reason, exception.Reason, StringComparison.Ordinal);
        Assert.Equal(position, exception.Position);
    }

    [Fact]
    public void Parse_WithoutGroupLookup_RefusesGroupReferences()
    {
        // A group's own filter expression is parsed without a lookup: groups cannot be defined by other groups.
        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse("""group.name = "faults" """));

        Assert.Contains("a group's filter expression cannot refer to a group", exception.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GroupExpressionNoLongerValid_NamesTheGroup()
    {
        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse("""group.name = "old" """, _ => "fault AND"));

        Assert.Contains("the filter expression of the group 'old' is not valid", exception.Reason, StringComparison.Ordinal);
    }
}
