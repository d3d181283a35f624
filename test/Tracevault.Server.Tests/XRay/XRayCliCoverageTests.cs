using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.XRay.Insights;

namespace Tracevault.Server.Tests.XRay;

/// <summary>The AWS CLI drives each X-Ray operation no other CLI test covers: one success and one error X-Ray would give.</summary>
/// <remarks>
/// Where each of X-Ray's 38 operations is driven by a real client with a success and an error X-Ray would give:
/// <list type="bullet">
/// <item>This class (AWS CLI): PutTraceSegments, BatchGetTraces, GetTraceGraph, GetTimeSeriesServiceStatistics, PutTelemetryRecords,
/// PutEncryptionConfig, GetEncryptionConfig, CreateGroup, GetGroup, GetGroups, UpdateGroup, DeleteGroup, GetInsightSummaries,
/// GetInsight, GetInsightEvents, GetInsightImpactGraph (16).</item>
/// <item><see cref="XRayCliTests"/> (AWS CLI): GetTraceSummaries (PutTraceSegmentsThenGetTraceSummaries_…, GetTraceSummaries_BadFilterExpression_…),
/// GetServiceGraph (CreateGroup_ThenSummariesAndServiceGraph_AreScopedToTheGroup: a success, and a deleted group refused) (2).</item>
/// <item><see cref="XRaySamplingCliTests"/> (AWS CLI): CreateSamplingRule, UpdateSamplingRule, DeleteSamplingRule, GetSamplingRules,
/// GetSamplingTargets, GetSamplingStatisticSummaries (6).</item>
/// <item><see cref="XRayTagsTests"/>.AwsCli_TagOperations_EachSucceedsAndEachRefusesWhatXRayRefuses (AWS CLI): TagResource, UntagResource,
/// ListTagsForResource (3).</item>
/// <item><see cref="XRayResourcePolicyCliTests"/> (AWS CLI): PutResourcePolicy, ListResourcePolicies, DeleteResourcePolicy (3).</item>
/// <item>Not in Debian's AWS CLI 2.9 (see <see cref="XRayModelWalkTests"/>), so driven by the JS SDK v3 instead:
/// StartTraceRetrieval, ListRetrievedTraces, GetRetrievedTracesGraph, CancelTraceRetrieval (test/clients/xray-retrieval.test.mjs and
/// xray-retrieval-cancel.test.mjs, run by <see cref="XRayTraceRetrievalTests"/>); GetIndexingRules, UpdateIndexingRule,
/// GetTraceSegmentDestination, UpdateTraceSegmentDestination (test/clients/xray-indexing.test.mjs, run by <see cref="XRayIndexingTests"/>) (8).</item>
/// </list>
/// </remarks>
public sealed class XRayCliCoverageTests : IAsyncLifetime
{
    private const string GroupName = "cli-insights";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(configure: options =>
        options.Insights.Detection = options.Insights.Detection with { BaselineMinutes = 10 });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task EachOperationNoOtherCliTestCovers_SucceedsAndRefusesWhatXRayRefuses()
    {
        await TraceAndSettingOperationsAsync();
        await GroupAndInsightOperationsAsync();
    }

    private async Task TraceAndSettingOperationsAsync()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var (trace, documents) = Trace(now, faulted: false);

        // PutTraceSegments: a malformed document is answered unprocessed, naming it and why, while the others are kept.
        var put = await CliAsync(["put-trace-segments", "--trace-segment-documents", .. documents, """{"name":"broken","id":"0123456789abcdef","start_time":1}"""]);
        var unprocessed = Assert.Single(put["UnprocessedTraceSegments"]!.AsArray())!;
        Assert.Equal(("0123456789abcdef", "MissingTraceId"), ((string)unprocessed["Id"]!, (string)unprocessed["ErrorCode"]!));

        var batch = await CliAsync("batch-get-traces", "--trace-ids", trace);
        var read = Assert.Single(batch["Traces"]!.AsArray())!;
        Assert.Equal(trace, (string)read["Id"]!);
        Assert.Equal(["checkout", "payments"], read["Segments"]!.AsArray().Select(s => (string)JsonNode.Parse((string)s!["Document"]!)!["name"]!).Order(StringComparer.Ordinal));
        var six = Enumerable.Range(0, 6).Select(_ => NewTraceId(now)).ToArray();
        await CliErrorAsync("InvalidRequestException", "Exceeding maximum query size: 5", ["batch-get-traces", "--trace-ids", .. six]);

        var graph = await CliAsync("get-trace-graph", "--trace-ids", trace);
        Assert.Equal(["checkout", "payments"], graph["Services"]!.AsArray().Where(s => s!["Name"] is not null).Select(s => (string)s!["Name"]!).Order(StringComparer.Ordinal));
        await CliErrorAsync("InvalidRequestException", "1 to 35 characters", "get-trace-graph", "--trace-ids", trace + "-0");

        var minute = now / 60 * 60;
        var statistics = await CliAsync("get-time-series-service-statistics", "--start-time", Text(minute), "--end-time", Text(minute + 60),
            "--entity-selector-expression", """service("checkout")""", "--period", "60");
        var entry = Assert.Single(statistics["TimeSeriesServiceStatistics"]!.AsArray())!;
        Assert.Equal((minute, 1), (Seconds(entry["Timestamp"]!), (int)entry["ServiceSummaryStatistics"]!["TotalCount"]!));
        await CliErrorAsync("InvalidRequestException", "Period must be a positive multiple of 60", "get-time-series-service-statistics",
            "--start-time", Text(minute), "--end-time", Text(minute + 60), "--period", "90");

        var telemetry = await CliAsync("put-telemetry-records", "--telemetry-records", $"Timestamp={now},SegmentsReceivedCount=2,SegmentsSentCount=2", "--hostname", "web-1");
        Assert.Empty(telemetry);
        await CliErrorAsync("InvalidRequestException", "Hostname", "put-telemetry-records", "--telemetry-records", $"Timestamp={now},SegmentsSentCount=1", "--hostname", new string('h', 256));

        var encryption = await CliAsync("put-encryption-config", "--type", "NONE");
        Assert.Equal("NONE", (string)encryption["EncryptionConfig"]!["Type"]!);
        Assert.Null(encryption["EncryptionConfig"]!["KeyId"]);
        await CliErrorAsync("InvalidRequestException", "Type must be NONE or KMS", "put-encryption-config", "--type", "PLAIN");
        var current = await CliAsync("get-encryption-config");
        Assert.Equal("NONE", (string)current["EncryptionConfig"]!["Type"]!);
        var stranger = _server.CreateUser("groups-only", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:GetGroups","Resource":"*"}]}""");
        var strangerEnvironment = _server.ClientEnvironment();
        strangerEnvironment["AWS_ACCESS_KEY_ID"] = stranger.AccessKeyId;
        strangerEnvironment["AWS_SECRET_ACCESS_KEY"] = stranger.SecretAccessKey;
        var refused = await AwsCli.RunAsync(_server.Endpoint, strangerEnvironment, "xray", "get-encryption-config");
        Assert.True(refused.ExitCode != 0, refused.Output);
        Assert.Contains("(AccessDeniedException)", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("xray:GetEncryptionConfig", refused.StandardError, StringComparison.Ordinal);
    }

    private async Task GroupAndInsightOperationsAsync()
    {
        // Ten steady minutes, then one where payments faults on half the requests: the last minute the evaluator takes now.
        var rise = ((DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 30) / 60 * 60) - 60;
        using var xray = XRayApiClient.For(_server);
        for (var minute = rise - 600; minute <= rise; minute += 60)
        {
            var faults = minute == rise ? 15 : 1;
            Assert.Empty(await xray.PutTraceSegmentsAsync(Enumerable.Range(0, 30).SelectMany(i => Trace(minute + 1 + i, i < faults).Documents)));
        }

        var created = await CliAsync("create-group", "--group-name", GroupName, "--insights-configuration", "InsightsEnabled=true,NotificationsEnabled=false");
        var arn = (string)created["Group"]!["GroupARN"]!;
        Assert.StartsWith($"arn:aws:xray:us-east-1:{_server.AccountId}:group/{GroupName}/", arn, StringComparison.Ordinal);
        Assert.True((bool)created["Group"]!["InsightsConfiguration"]!["InsightsEnabled"]!);
        await CliErrorAsync("InvalidRequestException", "Default is a reserved group name", "create-group", "--group-name", "Default");

        var got = await CliAsync("get-group", "--group-arn", arn);
        Assert.Equal(GroupName, (string)got["Group"]!["GroupName"]!);
        await CliErrorAsync("InvalidRequestException", "Group not found", "get-group", "--group-name", "nothing-here");

        var listed = await CliAsync("get-groups");
        Assert.Equal(["Default", GroupName], listed["Groups"]!.AsArray().Select(g => (string)g!["GroupName"]!));
        await CliErrorAsync("InvalidRequestException", "NextToken is not valid", "get-groups", "--no-paginate", "--next-token", "bogus");

        // The evaluator takes the minutes now due (the test calls it rather than wait for its next round).
        var evaluator = _server.Server.Services.GetRequiredService<InsightEvaluator>();
        var range = new JsonObject { ["GroupName"] = GroupName, ["StartTime"] = rise - 3600, ["EndTime"] = rise + 3600 };
        await Eventually.WaitAsync("the insight opens", async () =>
        {
            await evaluator.EvaluateAsync(CancellationToken.None);
            return (await xray.CallAsync("/InsightSummaries", range.DeepClone().AsObject()))["InsightSummaries"]!.AsArray().Count;
        }, count => count == 1);

        var summaries = await CliAsync("get-insight-summaries", "--group-name", GroupName, "--start-time", Text(rise - 3600), "--end-time", Text(rise + 3600));
        var summary = Assert.Single(summaries["InsightSummaries"]!.AsArray())!;
        Assert.Equal(("payments", arn), ((string)summary["RootCauseServiceId"]!["Name"]!, (string)summary["GroupARN"]!));
        // The server's own evaluator goes on each minute: on a slow machine two quiet minutes may have closed it by now.
        Assert.Contains((string)summary["State"]!, new[] { "ACTIVE", "CLOSED" });
        await CliErrorAsync("InvalidRequestException", "Group not found", "get-insight-summaries", "--group-name", "nothing-here",
            "--start-time", Text(rise - 3600), "--end-time", Text(rise + 3600));

        var id = (string)summary["InsightId"]!;
        var insight = (await CliAsync("get-insight", "--insight-id", id))["Insight"]!;
        Assert.Equal((id, GroupName, "FAULT"), ((string)insight["InsightId"]!, (string)insight["GroupName"]!, (string)insight["Categories"]![0]!));
        Assert.Equal(rise, Seconds(insight["StartTime"]!));
        var unknown = Guid.NewGuid().ToString();
        await CliErrorAsync("InvalidRequestException", $"Insight {unknown} not found", "get-insight", "--insight-id", unknown);

        var events = await CliAsync("get-insight-events", "--insight-id", id);
        // The event that opened it, recorded when the minute of the rise ended (one may follow if it closed meanwhile).
        var opened = Assert.Single(events["InsightEvents"]!.AsArray(), e => Seconds(e!["EventTime"]!) == rise + 60)!;
        Assert.Equal(15, (int)opened["RootCauseServiceRequestImpactStatistics"]!["FaultCount"]!);
        await CliErrorAsync("InvalidRequestException", "MaxResults must be a whole number from 1 to 50", "get-insight-events", "--insight-id", id, "--max-results", "51");

        var impact = await CliAsync("get-insight-impact-graph", "--insight-id", id, "--start-time", Text(rise - 600), "--end-time", Text(rise + 600));
        Assert.Equal(id, (string)impact["InsightId"]!);
        Assert.Equal(["checkout", "payments"], impact["Services"]!.AsArray().Where(s => s!["Name"] is not null).Select(s => (string)s!["Name"]!).Order(StringComparer.Ordinal));
        await CliErrorAsync("InvalidRequestException", "can't be more than six hours", "get-insight-impact-graph", "--insight-id", id,
            "--start-time", Text(rise - (7 * 3600)), "--end-time", Text(rise));

        var updated = await CliAsync("update-group", "--group-arn", arn, "--filter-expression", """service("payments") { fault }""");
        Assert.Equal("""service("payments") { fault }""", (string)updated["Group"]!["FilterExpression"]!);
        await CliErrorAsync("InvalidRequestException", "Default group", "update-group", "--group-name", "Default", "--filter-expression", "fault");

        await CliErrorAsync("InvalidRequestException", "Default group cannot be deleted", "delete-group", "--group-name", "Default");
        Assert.Empty(await CliAsync("delete-group", "--group-name", GroupName));
        Assert.Equal(["Default"], (await CliAsync("get-groups"))["Groups"]!.AsArray().Select(g => (string)g!["GroupName"]!));
    }

    /// <summary>A trace of checkout calling payments, starting at <paramref name="start"/>; both fault when <paramref name="faulted"/>.</summary>
    private static (string TraceId, List<string> Documents) Trace(long start, bool faulted)
    {
        var id = NewTraceId(start);
        var call = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var fault = faulted ? "true" : "false";
        var status = faulted ? 500 : 200;
        var at = Text(start);
        return (id,
        [
            "{\"name\":\"checkout\",\"id\":\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "\",\"trace_id\":\"" + id + "\",\"start_time\":" + at + ",\"end_time\":" + at + ".5,\"fault\":" + fault
                + ",\"http\":{\"response\":{\"status\":" + status + "}},\"subsegments\":[{\"name\":\"payments\",\"id\":\"" + call + "\",\"namespace\":\"remote\",\"start_time\":" + at + ".1,\"end_time\":" + at + ".4,\"fault\":" + fault
                + ",\"http\":{\"request\":{\"traced\":true},\"response\":{\"status\":" + status + "}}}]}",
            "{\"name\":\"payments\",\"id\":\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "\",\"parent_id\":\"" + call + "\",\"trace_id\":\"" + id + "\",\"start_time\":" + at + ".15,\"end_time\":" + at + ".35,\"fault\":" + fault
                + ",\"http\":{\"response\":{\"status\":" + status + "}}}",
        ]);
    }

    private static string NewTraceId(long start) => "1-" + start.ToString("x8", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>A timestamp the CLI printed (ISO 8601 by default) as epoch seconds.</summary>
    private static long Seconds(JsonNode timestamp) => timestamp.GetValueKind() == System.Text.Json.JsonValueKind.Number
        ? (long)(double)timestamp
        : DateTimeOffset.Parse((string)timestamp!, CultureInfo.InvariantCulture).ToUnixTimeSeconds();

    private static string Text(long seconds) => seconds.ToString(CultureInfo.InvariantCulture);

    private async Task<JsonObject> CliAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", .. arguments]);
        Assert.True(result.ExitCode == 0, $"aws xray {arguments[0]} failed:\n{result.Output}");
        return result.StandardOutput.Trim().Length == 0 ? [] : JsonNode.Parse(result.StandardOutput)!.AsObject();
    }

    private async Task CliErrorAsync(string code, string message, params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", .. arguments]);
        Assert.True(result.ExitCode != 0, $"aws xray {arguments[0]} succeeded:\n{result.Output}");
        Assert.Contains($"({code})", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }
}
