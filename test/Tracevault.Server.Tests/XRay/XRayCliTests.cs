using System.Globalization;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;
using static Tracevault.Server.Tests.XRay.SegmentDocuments;

namespace Tracevault.Server.Tests.XRay;

/// <summary>The AWS CLI as the client: put-trace-segments, get-trace-summaries with filter expressions and paging, batch-get-traces, the graphs.</summary>
public sealed class XRayCliTests : IAsyncLifetime
{
    private static readonly long T0 = Now() - 30;

    // One end time per test: a NextToken is only valid with the query it came from.
    private readonly long _end = Now() + 60;
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Six traces, named by letter, whose facts the expressions below pick apart.</summary>
    private static readonly Dictionary<string, string> Traces = new()
    {
        ["A"] = TraceId(T0, "a00000000000000000000001"),
        ["B"] = TraceId(T0, "b00000000000000000000002"),
        ["C"] = TraceId(T0, "c00000000000000000000003"),
        ["D"] = TraceId(T0, "d00000000000000000000004"),
        ["E"] = TraceId(T0, "e00000000000000000000005"),
        ["F"] = TraceId(T0, "f00000000000000000000006"),
    };

    private static List<string> Corpus()
    {
        JsonObject Web(string trace, string id, double start, double end, string method, string path, int status, string? user, JsonObject annotations, JsonObject? call = null) =>
            Segment(Traces[trace], id, "web", T0 + start, T0 + end, s =>
            {
                s["http"] = HttpExchange(method, "https://shop.example.com" + path, status);
                if (user is not null)
                {
                    s["user"] = user;
                }

                s["annotations"] = annotations;
                if (call is not null)
                {
                    s["subsegments"] = new JsonArray(call);
                }
            });

        JsonObject Orders(string trace, string id, string parent, double start, double end, int status) =>
            Segment(Traces[trace], id, "orders", T0 + start, T0 + end, s =>
            {
                s["parent_id"] = parent;
                s["http"] = HttpExchange("GET", "http://orders.internal/stock", status);
            });

        return
        [
            Web("A", "a000000000000001", 0, 1.5, "GET", "/orders/1", 200, "alice", new() { ["customer"] = "c7", ["paid"] = true, ["amount"] = 12.5 },
                RemoteCall("a000000000000002", "orders", T0 + 0.1, T0 + 1.0, "http://orders.internal/stock", 200)).ToJsonString(),
            Orders("A", "a000000000000003", "a000000000000002", 0.15, 0.95, 200).ToJsonString(),
            Web("B", "b000000000000001", 1, 1.5, "POST", "/cart", 500, "bob", new() { ["customer"] = "c7" }).ToJsonString(),
            Web("C", "c000000000000001", 2, 4, "GET", "/orders/2", 404, "carol", new() { ["customer"] = "c9" }).ToJsonString(),
            Web("D", "d000000000000001", 3, 6, "GET", "/health", 200, null, new() { ["customer"] = "c7", ["paid"] = false },
                RemoteCall("d000000000000002", "orders", T0 + 3.1, T0 + 5.0, "http://orders.internal/stock", 500)).ToJsonString(),
            Orders("D", "d000000000000003", "d000000000000002", 3.2, 4.9, 500).ToJsonString(),
            Segment(Traces["E"], "e000000000000001", "batch", T0 + 4, T0 + 4.25, s => s["annotations"] = new JsonObject { ["customer"] = "c8", ["amount"] = 3 }).ToJsonString(),
            Web("F", "f000000000000001", 5, 5.5, "GET", "/orders/3", 429, null, []).ToJsonString(),
        ];
    }

    [Fact]
    public async Task PutTraceSegmentsThenGetTraceSummaries_EachFilterExpression_ReturnsItsExpectedTraces()
    {
        var put = await CliAsync(["xray", "put-trace-segments", "--trace-segment-documents", .. Corpus()]);
        Assert.Empty(put["UnprocessedTraceSegments"]!.AsArray());

        var cases = new (string Expression, string Expected)[]
        {
            ("""annotation.customer = "c7" AND responsetime > 1""", "AD"),
            ("http.status = 500", "B"),
            ("fault", "B"),
            ("NOT error", "ABDE"),
            ("""service("orders") { fault }""", "D"),
            ("""edge("web", "orders")""", "AD"),
            ("""http.url CONTAINS "/orders" """, "ACF"),
            ("""user = "alice" """, "A"),
            ("annotation.paid = true", "A"),
            ("annotation.amount >= 10", "A"),
            ("""(fault OR throttle) AND NOT annotation.customer = "c9" """, "BF"),
            ("""service("batch") OR http.status = 404""", "CE"),
            ("""annotation.customer = "c7" OR (user BEGINSWITH "car" AND error)""", "ABCD"),
        };

        // A few CLI processes at a time: each is a Python start-up.
        using var gate = new SemaphoreSlim(3);
        var results = await Task.WhenAll(cases.Select(async c =>
        {
            await gate.WaitAsync();
            try
            {
                var answer = await CliAsync(["xray", "get-trace-summaries", .. TimeRange(), "--filter-expression", c.Expression]);
                return (c.Expression, c.Expected, Actual: Letters(answer["TraceSummaries"]!.AsArray()));
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.All(results, r => Assert.True(r.Expected == r.Actual, $"{r.Expression}: expected {r.Expected}, got {r.Actual}"));
    }

    [Fact]
    public async Task GetTraceSummaries_BadFilterExpression_IsRefusedWithWhereAndWhy()
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", "get-trace-summaries", .. TimeRange(), "--filter-expression", "responsetime >"]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("InvalidRequestException", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("position", result.StandardError, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task CreateGroup_ThenSummariesAndServiceGraph_AreScopedToTheGroup()
    {
        Assert.Empty((await CliAsync(["xray", "put-trace-segments", "--trace-segment-documents", .. Corpus()]))["UnprocessedTraceSegments"]!.AsArray());
        var created = await CliAsync(["xray", "create-group", "--group-name", "orders-faults", "--filter-expression", """service("orders") { fault }"""]);
        var arn = created["Group"]!["GroupARN"]!.GetValue<string>();

        var byName = await CliAsync(["xray", "get-trace-summaries", .. TimeRange(), "--filter-expression", """group.name = "orders-faults" """]);
        var byArn = await CliAsync(["xray", "get-trace-summaries", .. TimeRange(), "--filter-expression", $"""group.arn = "{arn}" """]);
        Assert.Equal("D", Letters(byName["TraceSummaries"]!.AsArray()));
        Assert.Equal("D", Letters(byArn["TraceSummaries"]!.AsArray()));

        // The group's map holds D's services only: "web" once, from the one trace, and no "batch".
        var scoped = await CliAsync(["xray", "get-service-graph", .. TimeRange(), "--group-name", "orders-faults"]);
        var whole = await CliAsync(["xray", "get-service-graph", .. TimeRange()]);
        Assert.Equal(["orders", "web"], Named(scoped));
        Assert.Equal(["batch", "orders", "web"], Named(whole));
        Assert.Equal(1, WebRequests(scoped));
        Assert.Equal(5, WebRequests(whole));

        var groups = await CliAsync(["xray", "get-groups"]);
        Assert.Equal(["Default", "orders-faults"], groups["Groups"]!.AsArray().Select(g => g!["GroupName"]!.GetValue<string>()));
        var deleted = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", "delete-group", "--group-arn", arn]);
        Assert.True(deleted.ExitCode == 0, deleted.Output);
        var missing = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", "get-service-graph", .. TimeRange(), "--group-name", "orders-faults"]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("InvalidRequestException", missing.StandardError, StringComparison.Ordinal);

        static List<string> Named(JsonObject graph) =>
            [.. graph["Services"]!.AsArray().Where(s => s!["Type"]?.GetValue<string>() != "client").Select(s => s!["Name"]!.GetValue<string>()).Order(StringComparer.Ordinal)];

        static int WebRequests(JsonObject graph) =>
            graph["Services"]!.AsArray().Single(s => s!["Name"]?.GetValue<string>() == "web")!["SummaryStatistics"]!["TotalCount"]!.GetValue<int>();
    }

    [Fact]
    public async Task BatchGetTraces_TwoTraces_ReturnsTheirStoredDocumentsAndUnknownIdsUnprocessed()
    {
        Assert.Empty((await CliAsync(["xray", "put-trace-segments", "--trace-segment-documents", .. Corpus()]))["UnprocessedTraceSegments"]!.AsArray());
        var unknown = TraceId(T0, "0000000000000000000000ff");

        var answer = await CliAsync(["xray", "batch-get-traces", "--trace-ids", Traces["A"], Traces["E"], unknown]);

        var traces = answer["Traces"]!.AsArray().ToDictionary(t => t!["Id"]!.GetValue<string>(), t => t!);
        Assert.Equal([Traces["A"], Traces["E"]], traces.Keys.Order(StringComparer.Ordinal));
        var a = traces[Traces["A"]]["Segments"]!.AsArray();
        Assert.Equal(["a000000000000001", "a000000000000003"], a.Select(s => s!["Id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        var web = JsonNode.Parse(a.Single(s => s!["Id"]!.GetValue<string>() == "a000000000000001")!["Document"]!.GetValue<string>())!;
        Assert.Equal("c7", web["annotations"]!["customer"]!.GetValue<string>());
        Assert.Equal("a000000000000002", web["subsegments"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(1.5, traces[Traces["A"]]["Duration"]!.GetValue<double>());
        Assert.False(traces[Traces["A"]]["LimitExceeded"]!.GetValue<bool>());
        Assert.Equal([unknown], answer["UnprocessedTraceIds"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public async Task GetServiceGraphAndGetTraceGraph_BeginWithTheClientNode_ItsEdgesCountTheEntryRequests()
    {
        Assert.Empty((await CliAsync(["xray", "put-trace-segments", "--trace-segment-documents", .. Corpus()]))["UnprocessedTraceSegments"]!.AsArray());

        var graph = await CliAsync(["xray", "get-service-graph", .. TimeRange()]);

        var services = graph["Services"]!.AsArray();
        var client = services[0]!;
        Assert.Equal("client", client["Type"]!.GetValue<string>());
        Assert.Equal(0, client["ReferenceId"]!.GetValue<int>());
        Assert.Null(client["Name"]);
        int Reference(string name) => services.Single(s => s!["Name"]?.GetValue<string>() == name)!["ReferenceId"]!.GetValue<int>();
        // "web" took A, B, C, D and F from clients (B faulted, C erred, F was throttled), "batch" took E; "orders" was only called.
        var edges = client["Edges"]!.AsArray().ToDictionary(e => e!["ReferenceId"]!.GetValue<int>());
        Assert.Equal([Reference("web"), Reference("batch")], edges.Keys.Order());
        var web = edges[Reference("web")]!["SummaryStatistics"]!;
        Assert.Equal((5, 2, 1, 1), (web["TotalCount"]!.GetValue<int>(), web["OkCount"]!.GetValue<int>(), web["FaultStatistics"]!["TotalCount"]!.GetValue<int>(), web["ErrorStatistics"]!["ThrottleCount"]!.GetValue<int>()));
        Assert.Equal(5, edges[Reference("web")]!["ResponseTimeHistogram"]!.AsArray().Sum(h => h!["Count"]!.GetValue<int>()));
        Assert.Equal(1, edges[Reference("batch")]!["SummaryStatistics"]!["TotalCount"]!.GetValue<int>());

        var traceGraph = await CliAsync(["xray", "get-trace-graph", "--trace-ids", Traces["A"]]);
        var traceServices = traceGraph["Services"]!.AsArray();
        Assert.Equal("client", traceServices[0]!["Type"]!.GetValue<string>());
        var entry = Assert.Single(traceServices[0]!["Edges"]!.AsArray())!;
        Assert.Equal("web", traceServices.Single(s => s!["ReferenceId"]!.GetValue<int>() == entry["ReferenceId"]!.GetValue<int>())!["Name"]!.GetValue<string>());
        Assert.Equal(1, entry["SummaryStatistics"]!["TotalCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task GetTraceSummaries_MoreTracesThanOnePageHolds_PagesThroughThemAll()
    {
        var expected = Enumerable.Range(1, 150).Select(i => TraceId(T0, "7" + i.ToString("x23", CultureInfo.InvariantCulture))).ToList();
        var documents = expected.Select((trace, i) => Segment(trace, "7" + i.ToString("x15", CultureInfo.InvariantCulture), "paged", T0 + (i * 0.01), T0 + (i * 0.01) + 0.2).ToJsonString());
        Assert.Empty((await CliAsync(["xray", "put-trace-segments", "--trace-segment-documents", .. documents]))["UnprocessedTraceSegments"]!.AsArray());

        // The CLI follows NextToken by itself.
        var all = await CliAsync(["xray", "get-trace-summaries", .. TimeRange()]);
        Assert.Equal(expected.Order(StringComparer.Ordinal), Ids(all).Order(StringComparer.Ordinal));

        // Page by page: 100, then the 50 others.
        var first = await CliAsync(["xray", "get-trace-summaries", .. TimeRange(), "--max-items", "100"]);
        Assert.Equal(100, Ids(first).Count);
        var token = first["NextToken"]!.GetValue<string>();
        var second = await CliAsync(["xray", "get-trace-summaries", .. TimeRange(), "--starting-token", token]);
        Assert.Equal(50, Ids(second).Count);
        Assert.Null(second["NextToken"]);
        Assert.Equal(expected.Order(StringComparer.Ordinal), Ids(first).Concat(Ids(second)).Order(StringComparer.Ordinal));

        // The server's own token, as the JS SDK and botocore send it back; newest first across the pages.
        using var xray = XRayApiClient.For(_server);
        var page1 = await xray.GetTraceSummariesAsync(T0 - 10, _end);
        Assert.Equal(100, page1["TraceSummaries"]!.AsArray().Count);
        Assert.Equal(150, page1["TracesProcessedCount"]!.GetValue<long>());
        var page2 = await xray.GetTraceSummariesAsync(T0 - 10, _end, nextToken: page1["NextToken"]!.GetValue<string>());
        Assert.Equal(50, page2["TraceSummaries"]!.AsArray().Count);
        Assert.Null(page2["NextToken"]);
        var starts = page1["TraceSummaries"]!.AsArray().Concat(page2["TraceSummaries"]!.AsArray()).Select(s => s!["StartTime"]!.GetValue<double>()).ToList();
        Assert.Equal(starts.OrderDescending(), starts);
        Assert.Equal(expected, page1["TraceSummaries"]!.AsArray().Concat(page2["TraceSummaries"]!.AsArray()).Select(s => s!["Id"]!.GetValue<string>()).Reverse());
    }

    private string[] TimeRange() =>
        ["--start-time", (T0 - 10).ToString(CultureInfo.InvariantCulture), "--end-time", _end.ToString(CultureInfo.InvariantCulture)];

    private static List<string> Ids(JsonObject answer) => answer["TraceSummaries"]!.AsArray().Select(s => s!["Id"]!.GetValue<string>()).ToList();

    private static string Letters(JsonArray summaries)
    {
        var byId = Traces.ToDictionary(p => p.Value, p => p.Key);
        return string.Concat(summaries.Select(s => byId.GetValueOrDefault(s!["Id"]!.GetValue<string>(), "?")).Order(StringComparer.Ordinal));
    }

    private async Task<JsonObject> CliAsync(string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), arguments);
        Assert.True(result.ExitCode == 0, $"aws {string.Join(' ', arguments.Take(2))} failed:\n{result.Output}");
        return JsonNode.Parse(result.StandardOutput)!.AsObject();
    }
}
