using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;

namespace Tracevault.Core.Tests.Traces.Filters;

public sealed class FilterExpressionTests
{
    private static readonly IReadOnlyDictionary<string, AssembledTrace> Corpus = TraceCorpus.All();

    private static string Matching(string expression)
    {
        var filter = FilterExpression.Parse(expression);
        return string.Concat(Corpus.Where(pair => filter.Matches(pair.Value)).Select(pair => pair.Key));
    }

    [Theory]
    [InlineData("""annotation.customer = "c7" AND responsetime > 1""", "AE")]
    [InlineData("http.status = 500", "A")]
    [InlineData("fault", "A")]
    [InlineData("NOT error", "ABDE")]
    [InlineData("""service("api") { fault }""", "A")]
    [InlineData("""edge("api", "orders") { responsetime > 0.5 }""", "ADE")]
    [InlineData("""http.url CONTAINS "/orders" """, "ACDE")]
    [InlineData("""user = "alice" """, "AC")]
    [InlineData("(fault OR throttle) AND NOT partial", "AC")]
    [InlineData("annotation.paid = true", "AE")]
    [InlineData("annotation.amount >= 10.5", "AE")]
    [InlineData("partial", "D")]
    [InlineData("ok", "BDE")]
    [InlineData("!ok", "AC")]
    [InlineData("throttle", "C")]
    [InlineData("""service("orders-table") { error }""", "E")]
    [InlineData("service() { fault }", "A")]
    [InlineData("""http.method = "GET" AND duration < 1""", "BD")]
    [InlineData("""user BEGINSWITH "car" """, "E")]
    [InlineData("""http.useragent ENDSWITH "8.0" """, "A")]
    [InlineData("""annotation[customer] != "c7" """, "BD")]
    [InlineData("""!service("orders")""", "C")]
    [InlineData("""service(id(name: "orders", type: "AWS::EC2::Instance")) { http.status = 404 }""", "D")]
    [InlineData("""service(id(name: "orders", type: "remote"))""", "")]
    [InlineData("""edge("orders", "payments.example.com") { fault }""", "A")]
    [InlineData("""responsetime > 1 OR user = "bob" """, "ABE")]
    [InlineData("""http.clientip = "203.0.113.7" """, "A")]
    [InlineData("""service(id(type: "remote"))""", "A")]
    [InlineData("""annotation.customer CONTAINS "c" fault""", "A")]
    [InlineData("ok !partial duration <3", "BE")]
    [InlineData("duration >= 5 AND duration <= 8", "")]
    [InlineData("""name = "orders-table" """, "ABE")]
    [InlineData("""type = "AWS::DynamoDB::Table" """, "ABE")]
    [InlineData("inferred", "ABE")]
    [InlineData("http.status != 200", "AC")]
    [InlineData("FAULT = false and ERROR = false", "BDE")]
    [InlineData("fault != true && error != true", "BDE")]
    [InlineData("""availabilityzone = "us-east-1a" && instance.id = "i-0abc" && resource.arn CONTAINS "restapis" """, "A")]
    [InlineData("""NOT (service("orders") { fault } OR throttle)""", "BDE")]
    [InlineData("""edge("api", "orders")""", "ABDE")]
    [InlineData("""service("api") { root AND http.method = "POST" }""", "AC")]
    [InlineData("annotation.paid != true", "B")]
    [InlineData("""user CONTAINS "" """, "ABCE")]
    [InlineData("""annotation.customer = "c7" || annotation.customer = "c9" """, "ABCE")]
    [InlineData("annotation.amount < 10", "C")]
    [InlineData("""service("orders") { partial }""", "")]
    [InlineData("""service() { partial }""", "D")]
    [InlineData("""edge("api", id(name: "orders")) { error }""", "D")]
    [InlineData("""service("orders") { inferred }""", "")]
    [InlineData("""service("payments.example.com") { inferred AND http.status = 503 }""", "A")]
    [InlineData("""annotation["customer"] = "c1" """, "D")]
    [InlineData("""user = "nobody" OR NOT NOT throttle""", "C")]
    public void Matches_Corpus_ReturnsExpectedTraces(string expression, string expected)
    {
        Assert.Equal(expected, Matching(expression));
    }

    [Theory]
    [InlineData("(fault OR error) AND NOT partial", "((fault OR error) AND (NOT partial))")]
    [InlineData("fault OR error AND partial", "(fault OR (error AND partial))")]
    [InlineData("!fault error", "((NOT fault) AND error)")]
    [InlineData("ok = FALSE", "ok = false")]
    [InlineData("throttle != false", "throttle")]
    [InlineData("ResponseTime>=0.5", "responsetime >= 0.5")]
    [InlineData("""http.url contains "a\"b\\c" """, """http.url CONTAINS "a\"b\\c" """)]
    [InlineData("""annotation[my_key] = -1.25e1""", "annotation.my_key = -12.5")]
    [InlineData("""annotation["odd key"] != false""", """annotation["odd key"] != false""")]
    [InlineData("""service(id(type: "remote")) { fault }""", """service(id(type: "remote")) { fault }""")]
    [InlineData("""edge("a","b")""", """edge("a", "b")""")]
    [InlineData("service()", "service()")]
    public void ToString_ParsedExpression_ShowsCanonicalTree(string expression, string expected)
    {
        Assert.Equal(expected.Trim(), FilterExpression.Parse(expression).ToString());
    }

    [Fact]
    public void Parse_StringEscapes_AreUnescaped()
    {
        var trace = TraceCorpus.Assemble(TraceCorpus.A, [$$"""{"name":"api","id":"0f00000000000001","trace_id":"{{TraceCorpus.A}}","start_time":1717239600,"end_time":1717239601,"user":"a\"b\\c\u00e9"}"""]);

        Assert.True(FilterExpression.Parse("""user = "a\"b\\c\u00e9" """).Matches(trace));
    }

    [Fact]
    public void Matches_ParsedOnce_EvaluatesManyTraces()
    {
        var filter = FilterExpression.Parse("""service("api") { fault }""");

        Assert.True(filter.Matches(TraceCorpus.TraceA));
        Assert.False(filter.Matches(TraceCorpus.TraceB));
        Assert.True(filter.Matches(TraceCorpus.TraceA));
        Assert.Equal("""service("api") { fault }""", filter.Text);
    }

    [Theory]
    [InlineData("annotation.customer =", 21, "expected a value after '='")]
    [InlineData("responsetime >", 14, "expected a number for 'responsetime' after '>'")]
    [InlineData("""http.status = "500" """, 14, "expected a number for 'http.status' after '='")]
    [InlineData("fault AND", 9, "expected a filter after 'AND'")]
    [InlineData("(fault OR error", 15, "expected ')' to close the '(' at position 0")]
    [InlineData("foo = 1", 0, "unknown keyword 'foo'")]
    [InlineData("""http.url = "abc""", 11, "has no closing '\"'")]
    [InlineData("""service("api") { fault""", 22, "expected '}' to close the '{' at position 15")]
    [InlineData("""edge("a") { fault }""", 8, "expected ',' between the edge's source and destination")]
    [InlineData("""responsetime CONTAINS "x" """, 13, "'CONTAINS' cannot compare the number keyword 'responsetime'")]
    [InlineData("fault && || error", 9, "expected a filter after '&&'")]
    [InlineData("http.status = 500 )", 18, "unexpected ')'")]
    [InlineData("""service("api") { annotation.x = 1 }""", 17, "annotations cannot be used inside")]
    [InlineData("""user = "a" & error""", 11, "unexpected '&'")]
    [InlineData("", 0, "the expression is empty")]
    [InlineData("   ", 3, "the expression is empty")]
    [InlineData("annotation. = 1", 11, "expected an annotation key")]
    [InlineData("service(42) { fault }", 8, "expected a quoted service name or id(...)")]
    [InlineData("""id(name: "x")""", 0, "id(...) can only name a service")]
    [InlineData("annotation.paid CONTAINS true", 25, "'CONTAINS' cannot compare the Boolean value true")]
    [InlineData("rootcause.json", 0, "the keyword 'rootcause.json' is not supported")]
    [InlineData("http.status = 5xx", 14, "malformed number '5x'")]
    [InlineData("fault = maybe", 8, "expected true or false for 'fault' after '='")]
    [InlineData("""service("a") { service("b") }""", 15, "'service' cannot be used inside")]
    [InlineData("""service("a") { }""", 15, "expected a filter inside '{ }'")]
    [InlineData("""service(id(colour: "red"))""", 11, "expected 'name:' or 'type:' in id(...)")]
    [InlineData("""user = 'alice'""", 7, "unexpected character '''")]
    [InlineData("""http.url = "bad \q escape" """, 16, "invalid escape sequence")]
    [InlineData("responsetime", 12, "expected an operator after 'responsetime'")]
    public void Parse_MalformedExpression_ThrowsWithPosition(string expression, int position, string reason)
    {
        var exception = Assert.Throws<FilterExpressionException>(() => FilterExpression.Parse(expression));

        Assert.Equal(position, exception.Position);
        Assert.Contains(reason, exception.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"Invalid filter expression at position {position}: ", exception.Message, StringComparison.Ordinal);
    }
}
