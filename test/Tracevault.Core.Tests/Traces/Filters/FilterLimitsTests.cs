using System.Text;
using Tracevault.Core.Traces.Filters;

namespace Tracevault.Core.Tests.Traces.Filters;

/// <summary>The filter language's length and nesting limits: input can never drive the parser, or a walk of its tree, deep into the stack.</summary>
public sealed class FilterLimitsTests
{
    [Fact]
    public void Parse_LongerThanMaxLength_ThrowsNamingTheLimit()
    {
        var text = Repeat("ok OR ", 400) + "ok";

        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse(text));

        Assert.Equal(FilterExpression.MaxLength, exception.Position);
        Assert.Equal($"the expression is {text.Length} characters long; at most 2000 are accepted", exception.Reason);
    }

    [Fact]
    public void Parse_FiftyThousandParentheses_ThrowsInsteadOfOverflowingTheStack()
    {
        var text = new string('(', 50_000) + """service("a")""" + new string(')', 50_000);

        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse(text));

        Assert.Contains("at most 2000 are accepted", exception.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("NOT ", "")]
    [InlineData("!", "")]
    [InlineData("!(", ")")]
    public void Parse_NestedPastMaxNestingDepth_ThrowsAtTheLevelPastIt(string open, string close)
    {
        var levels = FilterExpression.MaxNestingDepth + 1;
        var text = Repeat(open, levels) + "ok" + Repeat(close, levels);

        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse(text));

        Assert.Contains("nests more than 32 levels deep", exception.Reason, StringComparison.Ordinal);
        Assert.True(exception.Position < text.IndexOf("ok", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("(", ")")]
    [InlineData("NOT ", "")]
    [InlineData("!", "")]
    public void Parse_NestedExactlyMaxNestingDepth_Parses(string open, string close)
    {
        var levels = FilterExpression.MaxNestingDepth;
        var filter = FilterExpression.Parse(Repeat(open, levels) + "ok" + Repeat(close, levels));

        // An even number of negations leaves ok as it is: trace B is ok.
        Assert.True(filter.Matches(TraceCorpus.TraceB));
    }

    [Fact]
    public void Parse_SubFilterBracesCountTowardTheDepth()
    {
        var inner = Repeat("(", FilterExpression.MaxNestingDepth) + "fault" + Repeat(")", FilterExpression.MaxNestingDepth);

        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse($$"""service("api") { {{inner}} }"""));

        Assert.Contains("nests more than 32 levels deep", exception.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Matches_LongestChainsOfOrAndAnd_AreFlatAndEvaluate()
    {
        var or = Repeat("fault OR ", 221) + "ok";
        var and = Repeat("NOT fault AND ", 142) + "ok";

        Assert.InRange(or.Length, 1900, FilterExpression.MaxLength);
        Assert.InRange(and.Length, 1900, FilterExpression.MaxLength);
        Assert.True(FilterExpression.Parse(or).Matches(TraceCorpus.TraceB));
        Assert.True(FilterExpression.Parse(and).Matches(TraceCorpus.TraceB));
        Assert.False(FilterExpression.Parse(and).Matches(TraceCorpus.TraceA));
        Assert.Equal("(fault OR error OR ok)", FilterExpression.Parse("fault OR error || ok").ToString());
        Assert.Equal("(fault AND error AND (NOT ok))", FilterExpression.Parse("fault error && !ok").ToString());
    }

    private static string Repeat(string text, int count) => new StringBuilder(text.Length * count).Insert(0, text, count).ToString();
}
