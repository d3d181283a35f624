using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Hosting;
using Tracevault.Server.Tests.Infrastructure;
using Tracevault.Server.Tests.Nodes;
using Tracevault.Server.XRay.Insights;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>
/// Insights end to end: real segments through PutTraceSegments into a real server whose clock the test moves, the JS SDK reading
/// the insight that opens when a downstream service's fault rate rises and closes when it returns to its baseline.
/// </summary>
public sealed class XRayInsightsTests(ITestOutputHelper output)
{
    /// <summary>Insights of the group other-insights only.</summary>
    private const string OtherGroupInsights = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:GetInsight*","Resource":"arn:aws:xray:*:*:group/other-insights/*"}]}
        """;

    [Fact]
    public async Task FaultRateRiseInADownstreamService_OpensAnInsightNamingIt_WhichClosesWhenTheRateReturns()
    {
        // The server's clock starts at the real time (the SDK signs with it) and the test moves it on; signatures stay within the skew.
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock, configure: options =>
        {
            options.AllowedClockSkew = TimeSpan.FromHours(1);
            options.Insights.EvaluationInterval = TimeSpan.FromSeconds(10);
            options.Insights.Detection = options.Insights.Detection with { BaselineMinutes = 10 };
        });
        var evaluator = server.Server.Services.GetRequiredService<InsightEvaluator>();
        var rise = clock.GetUtcNow().ToUnixTimeSeconds() / 60 * 60;
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var limited = server.CreateUser("other-insights-reader", OtherGroupInsights);
        var environment = server.ClientEnvironment();
        environment["INSIGHTS_RISE_MINUTE"] = rise.ToString(CultureInfo.InvariantCulture);
        environment["INSIGHTS_FRONT"] = "storefront-" + suffix;
        environment["INSIGHTS_BACK"] = "payments-" + suffix;
        environment["LIMITED_ACCESS_KEY_ID"] = limited.AccessKeyId;
        environment["LIMITED_SECRET_ACCESS_KEY"] = limited.SecretAccessKey;

        environment["INSIGHTS_PHASE"] = "rise";
        await NodeClients.RunTestScriptAsync("xray-insights.test.mjs", environment, output);

        // Stated time: the minute is evaluated once it has ended and settled (30 s), at the next round (10 s here), so the insight
        // is open before the next minute can be evaluated (rise + 150 s).
        await AdvanceUntilAsync(clock, server, evaluator, "[430]", deadline: rise + 150);
        environment["INSIGHTS_PHASE"] = "opened";
        await NodeClients.RunTestScriptAsync("xray-insights.test.mjs", environment, output);

        // Two quiet minutes (rise + 1 and rise + 2) close it, once the second has settled: by rise + 3 minutes + 30 s + a round.
        await AdvanceUntilAsync(clock, server, evaluator, "[431]", deadline: rise + 240);
        environment["INSIGHTS_PHASE"] = "closed";
        await NodeClients.RunTestScriptAsync("xray-insights.test.mjs", environment, output);

        // One insight, opened once and closed once; and nothing insights keep names the services in the clear.
        Assert.Single(server.Logs.Lines, l => l.Contains("[430]", StringComparison.Ordinal));
        Assert.Single(server.Logs.Lines, l => l.Contains("[431]", StringComparison.Ordinal));
        AssertNoFileHolds(server.DataDirectory, environment["INSIGHTS_BACK"]);
    }

    [Fact]
    public async Task TwoNodesOnOneStore_EvaluateEachMinuteOnce_AndOpenOneInsight()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var nodes = await NodeGroup.StartAsync(0);
        void Configure(ServerOptions options)
        {
            options.Insights.EvaluationInterval = TimeSpan.FromMinutes(1);
            options.Insights.Detection = options.Insights.Detection with { BaselineMinutes = 10 };
        }

        var first = await nodes.AddAsync(clock, Configure);
        var second = await nodes.AddAsync(clock, Configure);
        var evaluators = new[] { first, second }.Select(n => n.Server.Services.GetRequiredService<InsightEvaluator>()).ToList();
        using var xray = XRayApiClient.For(first);
        await xray.CallAsync("/CreateGroup", new JsonObject { ["GroupName"] = "shared", ["InsightsConfiguration"] = new JsonObject { ["InsightsEnabled"] = true } });

        // Ten steady minutes, then one where the back end faults on half the requests: sent to the second node.
        var rise = clock.GetUtcNow().ToUnixTimeSeconds() / 60 * 60;
        using var other = new XRayApiClient(second.Endpoint, first.AdminAccessKeyId, first.AdminSecret, clock);
        for (var minute = rise - 600; minute <= rise; minute += 60)
        {
            var faults = minute == rise ? 15 : 1;
            Assert.Empty(await other.PutTraceSegmentsAsync(Enumerable.Range(0, 30).SelectMany(i => Trace(minute + 1 + i, i < faults))));
        }

        // Both nodes evaluate at the same moments, on two threads, racing for each minute, until three minutes past the rise.
        while (clock.GetUtcNow().ToUnixTimeSeconds() < rise + 180)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAll(evaluators.Select(e => Task.Run(() => e.EvaluateAsync(CancellationToken.None))));
        }

        Assert.Single(first.Logs.Lines.Concat(second.Logs.Lines), l => l.Contains("[430]", StringComparison.Ordinal));
        foreach (var client in new[] { xray, other })
        {
            var summaries = await client.CallAsync("/InsightSummaries", new JsonObject { ["GroupName"] = "shared", ["StartTime"] = rise - 3600, ["EndTime"] = rise + 3600 });
            var insight = Assert.Single(summaries["InsightSummaries"]!.AsArray())!;
            Assert.Equal("payments", (string)insight["RootCauseServiceId"]!["Name"]!);
        }

        // Each minute was evaluated once: one sealed record per minute, none twice (the claim row moved past each once).
        var store = first.Server.Data.Storage.Insights;
        var arn = (string)(await xray.CallAsync("/GetGroup", new JsonObject { ["GroupName"] = "shared" }))["Group"]!["GroupARN"]!;
        var minutes = await store.ListMinutesAsync(first.AccountId, arn, 0, long.MaxValue, CancellationToken.None);
        Assert.Equal(minutes.Select(m => m.Minute).Distinct().Count(), minutes.Count);
        Assert.Contains(minutes, m => m.Minute == rise);
    }

    private static IEnumerable<string> Trace(long start, bool faulted)
    {
        var id = "1-" + start.ToString("x8", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var call = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var fault = faulted ? "true" : "false";
        var status = faulted ? 500 : 200;
        var at = start.ToString(CultureInfo.InvariantCulture);
        yield return "{\"name\":\"checkout\",\"id\":\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "\",\"trace_id\":\"" + id + "\",\"start_time\":" + at + ",\"end_time\":" + at + ".5,\"fault\":" + fault
            + ",\"http\":{\"response\":{\"status\":" + status + "}},\"subsegments\":[{\"name\":\"payments\",\"id\":\"" + call + "\",\"namespace\":\"remote\",\"start_time\":" + at + ".1,\"end_time\":" + at + ".4,\"fault\":" + fault
            + ",\"http\":{\"request\":{\"traced\":true},\"response\":{\"status\":" + status + "}}}]}";
        yield return "{\"name\":\"payments\",\"id\":\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + "\",\"parent_id\":\"" + call + "\",\"trace_id\":\"" + id + "\",\"start_time\":" + at + ".15,\"end_time\":" + at + ".35,\"fault\":" + fault
            + ",\"http\":{\"response\":{\"status\":" + status + "}}}";
    }

    /// <summary>
    /// Moves the clock on one evaluation interval at a time and waits for the round it lets run, until the server logs
    /// <paramref name="eventId"/>; fails when the server's clock passes the deadline first, or a round never completes.
    /// </summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, TestServer server, InsightEvaluator evaluator, string eventId, long deadline)
    {
        while (!server.Logs.Lines.Any(l => l.Contains(eventId, StringComparison.Ordinal)))
        {
            Assert.True(clock.GetUtcNow().ToUnixTimeSeconds() < deadline, $"no {eventId} by {DateTimeOffset.FromUnixTimeSeconds(deadline):O} on the server's clock");
            var rounds = evaluator.RoundsCompleted;
            clock.Advance(TimeSpan.FromSeconds(10));
            var waited = Stopwatch.StartNew();
            while (evaluator.RoundsCompleted == rounds)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), "the evaluator ran no round after its interval");
                await Task.Delay(20);
            }
        }
    }

    private static void AssertNoFileHolds(string directory, string needle)
    {
        var bytes = Encoding.UTF8.GetBytes(needle);
        foreach (var file in Directory.GetFiles(directory, "*", SearchOption.AllDirectories))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.True(copy.ToArray().AsSpan().IndexOf(bytes) < 0, $"{Path.GetFileName(file)} holds the service name '{needle}' in the clear");
        }
    }
}
