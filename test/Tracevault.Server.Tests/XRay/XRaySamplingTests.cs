using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.XRay;

/// <summary>Centralized sampling on a real server: the fleet's reservoir split across nodes, reports that age out, boosts, and who may ask unsigned.</summary>
public sealed class XRaySamplingTests
{
    private const string ClientA = "aaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ClientB = "bbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public async Task GetSamplingTargets_TwoClientsOnTwoNodes_QuotasSplitByDemandAddUpToTheReservoir()
    {
        await using var node1 = await TestServer.StartAsync();
        var node2 = await TestServer.StartAsync(dataDirectory: node1.DataDirectory);
        try
        {
            using var xray = XRayApiClient.For(node1);
            await xray.CallAsync("/CreateSamplingRule", new JsonObject { ["SamplingRule"] = Rule("checkout", reservoir: 8) });

            // Client A alone has the whole reservoir; once B reports to the other node, each gets its share of the fleet's demand (3:1).
            Assert.Equal(8, Quota(await ReportAsync(node1, ClientA, "checkout", 300), "checkout"));
            Assert.Equal(2, Quota(await ReportAsync(node2, ClientB, "checkout", 100), "checkout"));
            Assert.Equal(6, Quota(await ReportAsync(node1, ClientA, "checkout", 300), "checkout"));
            Assert.Equal(2, Quota(await ReportAsync(node2, ClientB, "checkout", 100), "checkout"));

            // Each node reports the whole fleet's statistics.
            foreach (var node in new[] { node1, node2 })
            {
                using var reader = new XRayApiClient(node.Endpoint, node1.AdminAccessKeyId, node1.AdminSecret);
                var summary = (await reader.CallAsync("/SamplingStatisticSummaries", new JsonObject()))["SamplingStatisticSummaries"]!.AsArray().Single()!;
                Assert.Equal(("checkout", 400, 40, 2), ((string)summary["RuleName"]!, (int)summary["RequestCount"]!, (int)summary["SampledCount"]!, (int)summary["BorrowCount"]!));
            }
        }
        finally
        {
            await node2.Server.DisposeAsync();
        }
    }

    [Fact]
    public async Task GetSamplingTargets_ClientThatStoppedReporting_NoLongerHoldsAShare()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        using var xray = XRayApiClient.For(server);
        await xray.CallAsync("/CreateSamplingRule", new JsonObject { ["SamplingRule"] = Rule("checkout", reservoir: 4) });
        await ReportAsync(server, ClientA, "checkout", 100);
        Assert.Equal(2, Quota(await ReportAsync(server, ClientB, "checkout", 100), "checkout"));

        clock.Advance(TimeSpan.FromSeconds(20));
        var target = await ReportAsync(server, ClientB, "checkout", 100);
        Assert.Equal(2, Quota(target, "checkout"));
        var document = target["SamplingTargetDocuments"]![0]!;
        Assert.Equal(10, (int)document["Interval"]!);
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0 + 10, (double)document["ReservoirQuotaTTL"]!, 3);

        // A's last report is now 31 s old: three reporting intervals without a word, and B has the whole reservoir.
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(4, Quota(await ReportAsync(server, ClientB, "checkout", 100), "checkout"));
    }

    [Fact]
    public async Task GetSamplingTargets_UnknownRule_IsUnprocessed_AndLastRuleModificationFollowsChanges()
    {
        await using var server = await TestServer.StartAsync();
        var before = await ReportAsync(server, ClientA, "Default", 5, extraRule: "nope");
        Assert.Equal(1, Quota(before, "Default"));
        Assert.Equal(0.05, (double)before["SamplingTargetDocuments"]![0]!["FixedRate"]!);
        Assert.Equal(0.0, (double)before["LastRuleModification"]!);
        var unprocessed = before["UnprocessedStatistics"]!.AsArray().Single()!;
        Assert.Equal(("nope", "400"), ((string)unprocessed["RuleName"]!, (string)unprocessed["ErrorCode"]!));

        using var xray = XRayApiClient.For(server);
        var updated = await xray.CallAsync("/UpdateSamplingRule", new JsonObject { ["SamplingRuleUpdate"] = new JsonObject { ["RuleName"] = "Default", ["FixedRate"] = 0.5 } });
        var after = await ReportAsync(server, ClientA, "Default", 5);
        Assert.Equal(0.5, (double)after["SamplingTargetDocuments"]![0]!["FixedRate"]!);
        Assert.Equal((double)updated["SamplingRuleRecord"]!["ModifiedAt"]!, (double)after["LastRuleModification"]!);
    }

    [Fact]
    public async Task GetSamplingTargets_AnomaliesReported_BoostOncePerCooldownWindow()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(clock);
        using var xray = XRayApiClient.For(server);
        var rule = Rule("checkout", reservoir: 1);
        rule["FixedRate"] = 0.05;
        rule["SamplingRateBoost"] = new JsonObject { ["MaxRate"] = 0.5, ["CooldownWindowMinutes"] = 5 };
        await xray.CallAsync("/CreateSamplingRule", new JsonObject { ["SamplingRule"] = rule });

        var quiet = await ReportAsync(server, ClientA, "checkout", 100);
        Assert.Null(quiet["SamplingTargetDocuments"]![0]!["SamplingBoost"]);

        // 20 of 100 requests anomalous, none sampled: the whole boost.
        var boosted = await ReportAsync(server, ClientA, "checkout", 100, anomalies: (20, 100));
        var boost = boosted["SamplingTargetDocuments"]![0]!["SamplingBoost"]!;
        Assert.Equal(0.5, (double)boost["BoostRate"]!);
        var until = (double)boost["BoostRateTTL"]!;
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0 + 60, until, 3);

        // Once it ends, another anomaly inside the five-minute window starts none; after the window, one starts again.
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null((await ReportAsync(server, ClientA, "checkout", 100, anomalies: (2, 100)))["SamplingTargetDocuments"]![0]!["SamplingBoost"]);
        clock.Advance(TimeSpan.FromMinutes(4));
        var again = (await ReportAsync(server, ClientA, "checkout", 100, anomalies: (2, 100)))["SamplingTargetDocuments"]![0]!["SamplingBoost"]!;
        Assert.Equal(0.14, (double)again["BoostRate"]!, 6);
        Assert.Equal(2, server.Logs.Lines.Count(l => l.Contains("[351]", StringComparison.Ordinal) && l.Contains("Sampling rule checkout", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public async Task SamplingCalls_Unsigned_AreTakenFromLoopbackAndAllowedNetworksOnly()
    {
        await using var network = await PrivateNetwork.CreateAsync();
        await using var allowing = await TestServer.StartAsync(configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
            options.UdpAllow = [new IPNetwork(network.PeerAddress, 32)];
        });
        await using var refusing = await TestServer.StartAsync(configure: options =>
        {
            options.Listen = new IPEndPoint(IPAddress.Any, 0);
            options.InsecureHttp = true;
        });

        // From the allowed peer, as its SDKs would reach a daemon: unsigned, answered in the account UDP segments go to.
        var (status, answer) = await PostFromPeerAsync(network, new IPEndPoint(network.HostAddress, allowing.Server.Endpoint.Port), "/GetSamplingRules");
        Assert.True(status == 200, answer);
        Assert.Contains($"\"RuleARN\":\"arn:aws:xray:us-east-1:{allowing.AccountId}:sampling-rule/Default\"", answer, StringComparison.Ordinal);

        (status, answer) = await PostFromPeerAsync(network, new IPEndPoint(network.HostAddress, refusing.Server.Endpoint.Port), "/GetSamplingRules");
        Assert.Equal(403, status);
        Assert.Contains("MissingAuthenticationTokenException", answer, StringComparison.Ordinal);

        // Only the sampling calls: the allowed peer may not manage rules unsigned.
        (status, answer) = await PostFromPeerAsync(network, new IPEndPoint(network.HostAddress, allowing.Server.Endpoint.Port), "/CreateSamplingRule");
        Assert.Equal(403, status);
        Assert.Contains("MissingAuthenticationTokenException", answer, StringComparison.Ordinal);
    }

    private static JsonObject Rule(string name, int reservoir) => new()
    {
        ["RuleName"] = name,
        ["ResourceARN"] = "*",
        ["Priority"] = 10,
        ["FixedRate"] = 0.1,
        ["ReservoirSize"] = reservoir,
        ["ServiceName"] = "checkout-svc",
        ["ServiceType"] = "*",
        ["Host"] = "*",
        ["HTTPMethod"] = "*",
        ["URLPath"] = "*",
        ["Version"] = 1,
    };

    /// <summary>Reports a client's statistics to a node as the X-Ray SDKs do through their daemon: unsigned, from loopback.</summary>
    private static async Task<JsonObject> ReportAsync(TestServer node, string clientId, string rule, int requests, string? extraRule = null, (int Anomalies, int Total)? anomalies = null)
    {
        var now = node.Time.GetUtcNow().ToUnixTimeSeconds();
        var documents = new JsonArray(Statistics(rule));
        if (extraRule is not null)
        {
            documents.Add(Statistics(extraRule));
        }

        var body = new JsonObject { ["SamplingStatisticsDocuments"] = documents };
        if (anomalies is { } reported)
        {
            body["SamplingBoostStatisticsDocuments"] = new JsonArray(new JsonObject
            {
                ["RuleName"] = rule, ["ServiceName"] = "checkout-svc", ["Timestamp"] = now,
                ["AnomalyCount"] = reported.Anomalies, ["TotalCount"] = reported.Total, ["SampledAnomalyCount"] = 0,
            });
        }

        using var http = new HttpClient();
        using var response = await http.PostAsync(node.Endpoint + "/SamplingTargets", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();

        JsonObject Statistics(string name) => new()
        {
            ["RuleName"] = name, ["ClientID"] = clientId, ["Timestamp"] = now,
            ["RequestCount"] = requests, ["SampledCount"] = requests / 10, ["BorrowCount"] = 1,
        };
    }

    private static int Quota(JsonObject targets, string rule) =>
        (int)targets["SamplingTargetDocuments"]!.AsArray().Single(d => (string)d!["RuleName"]! == rule)!["ReservoirQuota"]!;

    /// <summary>POSTs <c>{}</c> unsigned from the namespace's end of the pair, as another host; returns the status and the body.</summary>
    private static async Task<(int Status, string Body)> PostFromPeerAsync(PrivateNetwork network, IPEndPoint server, string path)
    {
        var ip = new[] { "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip" }.First(File.Exists);
        var result = await ProcessRunner.RunAsync(ip, ["netns", "exec", network.Name, "curl", "-s", "-X", "POST", "-H", "Content-Type: application/json", "-d", "{}",
            "-w", "\n%{http_code}", $"http://{server}{path}"], Path.GetTempPath(), timeout: TimeSpan.FromSeconds(60));
        Assert.True(result.ExitCode == 0, result.Output);
        var output = result.StandardOutput.TrimEnd();
        var split = output.LastIndexOf('\n');
        return (int.Parse(output[(split + 1)..], CultureInfo.InvariantCulture), output[..Math.Max(split, 0)]);
    }
}
