using System.Text;
using Tracevault.Core.Traces;
using Tracevault.Core.Traces.Filters;
using Tracevault.Core.Traces.Statistics;

namespace Tracevault.Core.Tests.Traces.Statistics;

public sealed class TraceFactsTests
{
    /// <summary>Filters of every kind the facts can answer, and some only the documents can (which must say so).</summary>
    public static readonly TheoryData<string> Expressions =
    [
        """annotation.customer = "c7" AND responsetime > 1""",
        "http.status = 500",
        "fault",
        "NOT error",
        """http.url CONTAINS "/orders" """,
        """user = "alice" """,
        "(fault OR throttle) AND NOT partial",
        "annotation.paid = true",
        "annotation.amount >= 10.5",
        "partial",
        "ok",
        "!ok",
        "throttle",
        """http.method = "GET" AND duration < 1""",
        """user BEGINSWITH "car" """,
        """http.useragent ENDSWITH "8.0" """,
        """annotation[customer] != "c7" """,
        """!service("orders")""",
        """service(id(name: "orders", type: "remote"))""",
        """responsetime > 1 OR user = "bob" """,
        """http.clientip = "203.0.113.7" """,
        """service(id(type: "remote"))""",
        """annotation.customer CONTAINS "c" fault""",
        "ok !partial duration <3",
        """name = "orders-table" """,
        """type = "AWS::DynamoDB::Table" """,
        "inferred",
        "http.status != 200",
        "FAULT = false and ERROR = false",
        """availabilityzone = "us-east-1a" && instance.id = "i-0abc" && resource.arn CONTAINS "restapis" """,
        """edge("api", "orders")""",
        """edge("orders", "orders-table")""",
        """edge("api", "orders-table")""",
        """service("payments.example.com")""",
        "service()",
        "annotation.paid != true",
        """annotation.customer = "c7" || annotation.customer = "c9" """,
        "annotation.amount < 10",
        "root",
        "responsetime <= 0.3",
        "duration > 1.4",
        """service("api") { fault }""",
        """edge("api", "orders") { responsetime > 0.5 }""",
        """rootcause.fault.service { name = "orders" }""",
        """service("api") { http.status = 500 }""",
        """service("orders") { responsetime > 0.1 }""",
        """service("orders") { responsetime >= 0.05 AND responsetime < 0.5 }""",
        """service() { error OR throttle }""",
        """service("orders") { root }""",
        """service("api") { root AND responsetime < 2 }""",
        """service() { inferred AND ok }""",
        """service() { partial }""",
        """service(id(type: "AWS::DynamoDB::Table")) { responsetime >= 0.01 }""",
        """service() { name = "orders" AND responsetime > 0.2 }""",
        """service() { type = "remote" AND NOT fault }""",
        """edge("orders", "orders-table") { fault = false AND duration < 1 }""",
        """edge("api", "payments.example.com") { error }""",
        """edge("web", "orders-db") { responsetime > 0.05 }""",
        """edge("api", "orders") { root }""",
        """NOT service("api") { responsetime < 0.2 }""",
    ];

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Matches_FactsOfAWholeTrace_AgreeWithItsDocuments(string expression)
    {
        var filter = FilterExpression.Parse(expression);
        foreach (var (name, trace) in TraceCorpus.All())
        {
            var facts = TraceFacts.From(trace, indexed: true);
            Assert.Equal(TraceFactsCertainty.Exact, facts.Certainty);
            if (filter.FactsUse == FilterFactsUse.Documents)
            {
                Assert.Throws<InvalidOperationException>(() => filter.Matches(facts));
                continue;
            }

            Assert.True(filter.Matches(trace) == filter.Matches(facts), $"trace {name}, {expression}: documents say {filter.Matches(trace)}");
        }
    }

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Matches_ByTheRangesServiceBits_AgreesWithTheServicesThemselves(string expression)
    {
        var filter = FilterExpression.Parse(expression);
        if (filter.FactsUse == FilterFactsUse.Documents)
        {
            return;
        }

        var facts = TraceCorpus.All().Values.Select(t => TraceFacts.From(t, indexed: true)).ToList();
        var services = TraceFactsServices.Of(facts);
        Assert.True(services.Exact);
        for (var i = 0; i < facts.Count; i++)
        {
            var (trace, expected) = (facts[i], filter.Matches(facts[i]));
            Assert.True(expected == filter.Matches(trace, services, services.MaskOf(trace)), $"trace {trace.Id}, {expression}");
            Assert.True(expected == filter.Matches(trace, services, services.MaskOf(trace), services.ListOf(i)), $"trace {trace.Id} by its list's numbers, {expression}");
        }
    }

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Matches_ByTheRangesAnnotationColumns_AgreesWithTheTracesOwnAnnotations(string expression)
    {
        var filter = FilterExpression.Parse(expression);
        if (filter.FactsUse == FilterFactsUse.Documents)
        {
            return;
        }

        var minute = new MinuteStatistics(0);
        minute.Traces.AddRange(TraceCorpus.All().Values.Select(t => TraceFacts.From(t, indexed: true)));
        var range = TraceFactsRange.Of([minute]);
        var services = range.Services;
        for (var i = 0; i < range.Traces.Count; i++)
        {
            var trace = range.Traces[i];
            var byColumns = filter.Matches(range, i, trace, services.MaskOfList(services.ListOf(i)), services.ListOf(i));
            Assert.True(filter.Matches(trace) == byColumns, $"trace {trace.Id}, {expression}: by the range's columns {byColumns}");
        }
    }

    [Fact]
    public void Matches_ExpressionsParsedAnewPerRequest_PastTheSelectorsARangeKeeps_StillAnswerRight()
    {
        var facts = Enumerable.Range(0, 65)
            .Select(i => TraceFacts.From(TraceCorpus.Assemble(TraceCorpus.C, [TraceCorpus.DocumentsC[0].Replace("\"name\":\"api\"", $"\"name\":\"api{i}\"", StringComparison.Ordinal)]), indexed: true))
            .ToList();
        var services = TraceFactsServices.Of(facts);

        // As many requests, each parsing its own expression: the range forgets the selectors it kept and finds them again.
        for (var request = 0; request < 2_500; request++)
        {
            var (wanted, other) = (request % 65, (request + 1) % 65);
            var filter = FilterExpression.Parse($$"""service("api{{wanted}}") { responsetime > 0 }""");
            Assert.True(filter.Matches(facts[wanted], services, services.MaskOf(facts[wanted]), services.ListOf(wanted)), $"request {request}");
            Assert.False(filter.Matches(facts[other], services, services.MaskOf(facts[other]), services.ListOf(other)), $"request {request}");
        }
    }

    [Fact]
    public void Of_MoreThan64Services_SharesBitsAndLooksAtTheServices()
    {
        var facts = Enumerable.Range(0, 65)
            .Select(i => TraceFacts.From(TraceCorpus.Assemble(TraceCorpus.C, [TraceCorpus.DocumentsC[0].Replace("\"name\":\"api\"", $"\"name\":\"api{i}\"", StringComparison.Ordinal)]), indexed: true))
            .ToList();

        var services = TraceFactsServices.Of(facts);

        Assert.False(services.Exact);
        Assert.Equal(services.MaskOf(facts[0]), services.MaskOf(facts[64]));
        Assert.True(FilterExpression.Parse("""service("api7")""").Matches(facts[7], services, services.MaskOf(facts[7])));
        Assert.False(FilterExpression.Parse("""service("api7")""").Matches(facts[8], services, services.MaskOf(facts[8])));
        Assert.False(FilterExpression.Parse("""service("api64")""").Matches(facts[0], services, services.MaskOf(facts[0])), "api0 shares api64's bit but is not it");
        Assert.True(FilterExpression.Parse("""service("api64")""").Matches(facts[64], services, services.MaskOf(facts[64])));

        // By the numbers of each trace's list of services, as a range's traces are tested: exactly the one trace of that service.
        foreach (var expression in new[] { """service("api64")""", """service("api0") { responsetime > 0 }""", """service("api64") { error AND throttle }""" })
        {
            var filter = FilterExpression.Parse(expression);
            var matched = new List<int>();
            for (var i = 0; i < facts.Count; i++)
            {
                var byNumbers = filter.Matches(facts[i], services, services.MaskOf(facts[i]), services.ListOf(i));
                Assert.Equal(filter.Matches(facts[i]), byNumbers);
                if (byNumbers)
                {
                    matched.Add(i);
                }
            }

            Assert.Equal([expression.Contains("api64", StringComparison.Ordinal) ? 64 : 0], matched);
        }
    }

    [Theory]
    [MemberData(nameof(Expressions))]
    public void Matches_FactsMergedFromOneBatchPerDocument_AgreeWhereTheirCertaintyAllows(string expression)
    {
        var filter = FilterExpression.Parse(expression);
        foreach (var (name, documents) in Documents())
        {
            var trace = TraceCorpus.Assemble(name, documents);
            var merged = documents
                .Select(d => TraceFacts.From(TraceCorpus.Assemble(name, [d]), indexed: true))
                .Select(RoundTrip)
                .Aggregate(TraceFacts.Merge)
                .Resolve();
            var answerable = merged.Certainty == TraceFactsCertainty.Exact
                || (merged.Certainty == TraceFactsCertainty.LinksUnknown && filter.FactsUse == FilterFactsUse.WithoutLinks);
            if (filter.FactsUse != FilterFactsUse.Documents && answerable)
            {
                Assert.True(filter.Matches(trace) == filter.Matches(merged), $"trace {name} ({merged.Certainty}), {expression}: documents say {filter.Matches(trace)}");
            }
        }
    }

    [Fact]
    public void Merge_PartsLinkedAcrossBatches_SayWhatTheyCannotKnow()
    {
        var facts = Documents().ToDictionary(
            d => d.Name,
            d => d.Documents.Select(x => TraceFacts.From(TraceCorpus.Assemble(d.Name, [x]), indexed: true)).Aggregate(TraceFacts.Merge).Resolve());

        // B: the downstream "orders" segment names a parent in the other batch, found there; C: one document; A: "orders" stored twice.
        Assert.Equal(TraceFactsCertainty.Exact, facts[TraceCorpus.B].Certainty);
        Assert.Equal(TraceFactsCertainty.Exact, facts[TraceCorpus.C].Certainty);
        Assert.Equal(TraceFactsCertainty.Uncertain, facts[TraceCorpus.A].Certainty);
        var whole = TraceFacts.From(TraceCorpus.TraceB, indexed: true);
        Assert.Equal(whole.ResponseTime, facts[TraceCorpus.B].ResponseTime);
        Assert.Equal(whole.Duration, facts[TraceCorpus.B].Duration);
        Assert.Equal(whole.Http, facts[TraceCorpus.B].Http);
        Assert.Equal(Calls(whole), Calls(facts[TraceCorpus.B]));
        Assert.Equal(whole.Services.Select(s => s.ToString()).Order(StringComparer.Ordinal), facts[TraceCorpus.B].Services.Select(s => s.ToString()).Order(StringComparer.Ordinal));

        // An independent subsegment stored apart from its segment joins it; and one under a local subsegment, its calls with it.
        foreach (var (name, documents) in Documents().Where(d => d.Name is Completed or OtelStyle))
        {
            var merged = documents.Select(x => TraceFacts.From(TraceCorpus.Assemble(name, [x]), indexed: true)).Aggregate(TraceFacts.Merge).Resolve();
            var assembled = TraceFacts.From(TraceCorpus.Assemble(name, documents), indexed: true);
            Assert.True(merged.Certainty == TraceFactsCertainty.Exact, $"{name}: {merged.Flags}, {merged.Orphans.Count} orphans");
            Assert.Equal(Calls(assembled), Calls(merged));
            Assert.Equal(assembled.Services.Select(s => s.ToString()).Order(StringComparer.Ordinal), merged.Services.Select(s => s.ToString()).Order(StringComparer.Ordinal));
            Assert.Equal(assembled.Flags & ~TraceFactsFlags.Superseded, merged.Flags);
        }

        // Without its parent's part, an independent subsegment leaves the calls in doubt.
        var orphan = TraceFacts.From(TraceCorpus.Assemble(OtelStyle, [OtelStyleDocuments[1]]), indexed: true).Resolve();
        Assert.Equal(TraceFactsCertainty.Uncertain, orphan.Certainty);
    }

    private static List<string> Calls(TraceFacts facts) =>
        [.. facts.Calls.Select(c => facts.Services[c.Caller] + " -> " + facts.Services[c.Callee]).Order(StringComparer.Ordinal)];

    [Fact]
    public void FactsUse_OfFilters_IsWhatTheyRead()
    {
        Assert.Equal(FilterFactsUse.WithoutLinks, FilterExpression.Parse("""annotation.customer_tier = "gold" AND responsetime > 1""").FactsUse);
        Assert.Equal(FilterFactsUse.WithLinks, FilterExpression.Parse("""edge("a", "b") OR fault""").FactsUse);
        Assert.Equal(FilterFactsUse.WithLinks, FilterExpression.Parse("""NOT service("a")""").FactsUse);
        Assert.Equal(FilterFactsUse.WithRequests, FilterExpression.Parse("""fault AND service("a") { error AND responsetime > 1 }""").FactsUse);
        Assert.Equal(FilterFactsUse.WithRequests, FilterExpression.Parse("""edge("a", "b") { NOT throttle }""").FactsUse);
        Assert.Equal(FilterFactsUse.Documents, FilterExpression.Parse("""fault AND service("a") { http.status = 500 }""").FactsUse);
        Assert.Equal(FilterFactsUse.Documents, FilterExpression.Parse("""edge("a", "b") { user = "x" }""").FactsUse);
    }

    [Fact]
    public void FromBytes_MinuteWithFacts_GivesThemBack()
    {
        var minute = new MinuteStatistics(1717239600);
        foreach (var trace in TraceCorpus.All().Values)
        {
            minute.Traces.Add(TraceFacts.From(trace, indexed: true));
        }

        var read = MinuteStatistics.FromBytes(minute.Minute, minute.ToBytes());

        Assert.True(read.HasTraceFacts);
        Assert.Equal(minute.Traces.Count, read.Traces.Count);
        for (var i = 0; i < read.Traces.Count; i++)
        {
            var (expected, actual) = (minute.Traces[i], read.Traces[i]);
            Assert.Equal(expected.Id, actual.Id);
            Assert.Equal(expected.Flags, actual.Flags);
            Assert.Equal(expected.ResponseTime, actual.ResponseTime);
            Assert.Equal(expected.StartTime, actual.StartTime);
            Assert.Equal(expected.EndTime, actual.EndTime);
            Assert.Equal(expected.Http, actual.Http);
            Assert.Equal(expected.Services, actual.Services);
            Assert.Equal(expected.Inferred, actual.Inferred);
            Assert.Equal(expected.Calls, actual.Calls);
            Assert.Equal(expected.Annotations, actual.Annotations);
            Assert.Equal(expected.Users, actual.Users);
            Assert.Equal(expected.ResourceArns, actual.ResourceArns);
            Assert.Equal(expected.Links, actual.Links);
            Assert.Equal(expected.Unlinked, actual.Unlinked);
            Assert.Equal(expected.Orphans, actual.Orphans);
            Assert.Equal(expected.Requests, actual.Requests);
            Assert.Equal(expected.CallRequests, actual.CallRequests);
            Assert.True(actual.HasRequests);
        }
    }

    [Fact]
    public void Requests_OfAWholeTrace_TallyAsTheCollectorTalliesIt()
    {
        foreach (var (name, trace) in TraceCorpus.All())
        {
            var tally = new TraceFactsMapTally();
            tally.Add(RoundTrip(TraceFacts.From(trace, indexed: true)));

            Assert.Equal(Collected(trace), Described(tally.ToMinute(0)));
            Assert.NotEmpty(Described(tally.ToMinute(0)));
        }
    }

    [Fact]
    public void Requests_MergedFromOneBatchPerDocument_TallyAsTheWholeTrace()
    {
        var exact = 0;
        foreach (var (name, documents) in Documents())
        {
            var merged = documents
                .Select(d => RoundTrip(TraceFacts.From(TraceCorpus.Assemble(name, [d]), indexed: true)))
                .Aggregate(TraceFacts.Merge)
                .Resolve();
            if (merged.Certainty != TraceFactsCertainty.Exact)
            {
                continue;
            }

            exact++;
            // Each call between services is described by at least one request, and each such request by a call between them.
            Assert.Equal(
                merged.Calls.Distinct().Order(),
                merged.CallRequests.Select(c => (c.Caller, merged.Requests[c.Request].Service)).Distinct().Order());
            var tally = new TraceFactsMapTally();
            tally.Add(merged);
            Assert.True(Collected(TraceCorpus.Assemble(name, documents)).SequenceEqual(Described(tally.ToMinute(0))), $"{name}: {string.Join("; ", Described(tally.ToMinute(0)))}");
        }

        // B (a call across batches, its inferred stand-in replaced), C, the completed A and the OpenTelemetry-shaped trace at least.
        Assert.True(exact >= 4, $"{exact} traces merged exactly");
    }

    [Fact]
    public void Merge_TalliesByTheRangesNumbersAndBySomeOfTheirOwn_AddUp()
    {
        // The range is made of all but the last trace: that one's services are numbered by the tallies themselves.
        var facts = TraceCorpus.All().Values.Select(t => TraceFacts.From(t, indexed: true)).ToList();
        var range = TraceFactsServices.Of(facts[..^1]);
        var (one, two, three, apart) = (new TraceFactsMapTally(range), new TraceFactsMapTally(range), new TraceFactsMapTally(range), new TraceFactsMapTally());
        for (var i = 0; i < facts.Count - 1; i++)
        {
            (i % 2 == 0 ? one : two).Add(facts[i], range.ListOf(i));
            three.Add(facts[i]);
            apart.Add(facts[i]);
            apart.Add(facts[i]);
        }

        three.Add(facts[^1]);
        apart.Add(facts[^1]);
        one.Merge(two);
        one.Merge(three);

        Assert.Equal(apart.Traces, one.Traces);
        Assert.Equal(Described(apart.ToMinute(0)), Described(one.ToMinute(0)));
    }

    /// <summary>What the collector tallies of a whole trace, every minute together.</summary>
    private static List<string> Collected(AssembledTrace trace)
    {
        var collector = new StatisticsCollector(long.MinValue, long.MaxValue);
        collector.Add(trace);
        var all = new MinuteStatistics(0) { HasTraceFacts = false };
        foreach (var minute in collector.Minutes)
        {
            foreach (var (entity, tally) in minute.Entities)
            {
                all.For(entity).Merge(tally);
            }
        }

        return Described(all);
    }

    private static List<string> Described(MinuteStatistics minute) =>
        [.. minute.Entities
            .Select(e => $"{e.Key.Service} -> {e.Key.Callee}: {e.Value.Ok}/{e.Value.OtherErrors}/{e.Value.Throttles}/{e.Value.Faults} {Math.Round(e.Value.TotalResponseTime, 6)} [{string.Join(',', e.Value.Histogram)}]")
            .Order(StringComparer.Ordinal)];

    [Fact]
    public void FromBytes_StatisticsStoredBeforeFacts_SayTheyHaveNone()
    {
        var read = MinuteStatistics.FromBytes(60, [1, 0]);

        Assert.False(read.HasTraceFacts);
        Assert.Empty(read.Traces);
    }

    [Fact]
    public void FromBytes_TruncatedFacts_IsRefused()
    {
        var minute = new MinuteStatistics(60);
        minute.Traces.Add(TraceFacts.From(TraceCorpus.TraceA, indexed: true));
        var bytes = minute.ToBytes();

        Assert.Throws<InvalidDataException>(() => MinuteStatistics.FromBytes(60, bytes.AsSpan(0, bytes.Length - 3)));
    }

    [Fact]
    public void AddDocuments_ABatch_KeepsEachTracesFactsInTheMinuteItIsDated()
    {
        var collector = new StatisticsCollector();
        collector.AddDocuments(TraceCorpus.DocumentsB.Select(d => (TraceCorpus.B, (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(d))));

        var minute = Assert.Single(collector.Minutes, m => m.Traces.Count > 0);
        Assert.Equal(TraceDates.Of(TraceCorpus.B, 1717239610.0) / 60 * 60, minute.Minute);
        var facts = Assert.Single(minute.Traces);
        Assert.Equal(TraceCorpus.B, facts.Id);
        Assert.True(facts.Flags.HasFlag(TraceFactsFlags.Indexed));
    }

    private static TraceFacts RoundTrip(TraceFacts facts)
    {
        var minute = new MinuteStatistics(0);
        minute.Traces.Add(facts);
        return Assert.Single(MinuteStatistics.FromBytes(0, minute.ToBytes()).Traces);
    }

    /// <summary>Trace A without the in-progress version of "orders": its DynamoDB call is an independent subsegment of that segment.</summary>
    private const string Completed = "1-665aff30-0000000000000000000000aa";

    /// <summary>A trace shaped as OpenTelemetry spans arrive: a service's segment, and an independent local subsegment under it that calls a database.</summary>
    private const string OtelStyle = "1-665aff30-0000000000000000000000f0";

    private static readonly string[] OtelStyleDocuments =
    [
        $$$$"""{"name":"web","id":"f000000000000001","trace_id":"{{{{OtelStyle}}}}","start_time":1717239650.0,"end_time":1717239650.5,"http":{"request":{"method":"GET","url":"https://web.example.com/"},"response":{"status":200}}}""",
        $$$$"""{"type":"subsegment","name":"handler","id":"f000000000000002","parent_id":"f000000000000001","trace_id":"{{{{OtelStyle}}}}","start_time":1717239650.1,"end_time":1717239650.4,"subsegments":[{"name":"orders-db","id":"f000000000000003","namespace":"remote","start_time":1717239650.2,"end_time":1717239650.3,"sql":{"url":"postgresql://db/orders"}}]}""",
    ];

    private static IEnumerable<(string Name, string[] Documents)> Documents() =>
    [
        (Completed, [.. TraceCorpus.DocumentsA.Skip(1).Select(d => d.Replace(TraceCorpus.A, Completed, StringComparison.Ordinal))]),
        (OtelStyle, OtelStyleDocuments),
        (TraceCorpus.A, TraceCorpus.DocumentsA),
        (TraceCorpus.B, TraceCorpus.DocumentsB),
        (TraceCorpus.C, TraceCorpus.DocumentsC),
        (TraceCorpus.D, TraceCorpus.DocumentsD),
        (TraceCorpus.E, TraceCorpus.DocumentsE),
    ];
}
