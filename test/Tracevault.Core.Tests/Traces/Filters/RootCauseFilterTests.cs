using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;

namespace Tracevault.Core.Tests.Traces.Filters;

/// <summary>
/// <c>rootcause.fault|error|responsetime.service|entity|exception { … }</c> on the corpus, whose root causes are: A faults at the
/// payment API behind "orders" (api → orders → payments.example.com, inferred); C errs (throttled) at "api" itself; D errs at
/// "orders" (404); E errs at the DynamoDB table behind "orders" (api → orders → orders-table) though it answered 200. A spent its
/// time in the payment call, E in "orders" itself.
/// </summary>
public sealed class RootCauseFilterTests
{
    private static readonly IReadOnlyDictionary<string, AssembledTrace> Corpus = TraceCorpus.All();

    private static string Matching(string expression)
    {
        var filter = FilterExpression.Parse(expression);
        return string.Concat(Corpus.Where(pair => filter.Matches(pair.Value)).Select(pair => pair.Key));
    }

    [Theory]
    [InlineData("""rootcause.fault.service { name = "payments.example.com" }""", "A")]
    [InlineData("""rootcause.fault.service { name = "orders" }""", "A")]
    [InlineData("""rootcause.fault.service { last and name = "orders" }""", "")]
    [InlineData("""rootcause.fault.service { last and inferred and type = "remote" }""", "A")]
    [InlineData("""rootcause.fault.service { first and name = "api" }""", "A")]
    [InlineData("""rootcause.fault.service { index = 2 }""", "A")]
    [InlineData("""rootcause.fault.service { index > 2 }""", "")]
    [InlineData("rootcause.fault.service", "A")]
    [InlineData("""rootcause.error.service { last and name = "orders" }""", "D")]
    [InlineData("""rootcause.error.service { last and type = "AWS::DynamoDB::Table" }""", "E")]
    [InlineData("""rootcause.error.service { last and name = "api" }""", "C")]
    [InlineData("""rootcause.error.service { name = "api" }""", "CDE")]
    [InlineData("""rootcause.error.service { name = "payments.example.com" }""", "")]
    [InlineData("""rootcause.error.entity { remote and name = "DynamoDB" }""", "E")]
    [InlineData("""rootcause.error.entity { last and name = "orders-table" }""", "E")]
    [InlineData("""rootcause.error.entity { last and name = "DynamoDB" }""", "")]
    [InlineData("""rootcause.fault.entity { remote and name = "payments.example.com" }""", "A")]
    [InlineData("""rootcause.fault.entity { remote and name = "api" }""", "")]
    [InlineData("""rootcause.fault.exception { name = "HttpError" }""", "A")]
    [InlineData("""rootcause.fault.exception { last and message = "Service Unavailable" }""", "A")]
    [InlineData("""rootcause.error.exception { message CONTAINS "conditional" }""", "E")]
    [InlineData("""rootcause.error.exception { name = "HttpError" }""", "")]
    [InlineData("""rootcause.responsetime.service { last and name = "payments.example.com" }""", "A")]
    [InlineData("""rootcause.responsetime.service { last and name = "orders" }""", "E")]
    [InlineData("""rootcause.responsetime.service { last and name = "api" }""", "C")]
    [InlineData("""rootcause.responsetime.entity { last and coverage > 0.75 }""", "CE")]
    [InlineData("""rootcause.responsetime.entity { name = "payments.example.com" and coverage < 0.7 }""", "A")]
    [InlineData("rootcause.responsetime.service", "ABCE")]
    [InlineData("""service("orders") AND NOT rootcause.error.service { name = "orders" }""", "AB")]
    public void Matches_Corpus_ReturnsTracesWhoseRootCauseMatches(string expression, string expected)
    {
        Assert.Equal(expected, Matching(expression));
    }

    [Theory]
    [InlineData("""rootcause.fault.service {name="x"}""", """rootcause.fault.service { name = "x" }""")]
    [InlineData("RootCause.ResponseTime.Entity { LAST and Coverage > 0.5 }", "rootcause.responsetime.entity { (last AND coverage > 0.5) }")]
    public void ToString_RootCauseKeyword_ShowsCanonicalSpelling(string expression, string canonical)
    {
        Assert.Equal(canonical, FilterExpression.Parse(expression).ToString());
    }

    [Theory]
    [InlineData("first", 0, "'first' describes an element of a root cause")]
    [InlineData("""service("api") { last }""", 17, "'last' describes an element of a root cause")]
    [InlineData("""rootcause.fault.service { http.url = "x" }""", 26, "'http.url' cannot be used inside rootcause.fault.service { }")]
    [InlineData("rootcause.fault.entity { coverage > 0.5 }", 25, "'coverage' cannot be used inside rootcause.fault.entity { }")]
    [InlineData("""rootcause.error.service { message = "x" }""", 26, "'message' cannot be used inside rootcause.error.service { }")]
    [InlineData("rootcause.responsetime.exception", 0, "a response-time root cause records no exceptions")]
    [InlineData("rootcause.fault", 0, "unknown keyword 'rootcause.fault'")]
    [InlineData("rootcause.slow.service", 0, "unknown keyword 'rootcause.slow.service'")]
    [InlineData("""rootcause.fault.service { service("a") }""", 26, "'service' cannot be used inside")]
    [InlineData("""service("a") { rootcause.fault.service }""", 15, "'rootcause.fault.service' cannot be used inside a sub-filter")]
    [InlineData("rootcause.fault.service { }", 26, "expected a filter inside '{ }'")]
    public void Parse_MisplacedRootCauseKeyword_ThrowsWithPosition(string expression, int position, string reason)
    {
        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse(expression));

        Assert.Contains(reason, exception.Reason, StringComparison.Ordinal);
        Assert.Equal(position, exception.Position);
    }
}
