using System.Globalization;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.XRay;

/// <summary>The AWS CLI drives each sampling operation: one success and one error X-Ray would give.</summary>
public sealed class XRaySamplingCliTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task SamplingOperations_EachSucceedsAndEachRefusesWhatXRayRefuses()
    {
        const string rule = """
            {"RuleName":"checkout","ResourceARN":"*","Priority":5,"FixedRate":1.0,"ReservoirSize":0,"ServiceName":"checkout",
             "ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","Version":1,"Attributes":{"tier":"gold"}}
            """;
        var created = await CliAsync("create-sampling-rule", "--sampling-rule", rule);
        Assert.Equal($"arn:aws:xray:us-east-1:{_server.AccountId}:sampling-rule/checkout", (string)created["SamplingRuleRecord"]!["SamplingRule"]!["RuleARN"]!);
        await CliErrorAsync("InvalidRequestException", "create-sampling-rule", "--sampling-rule", rule);

        var updated = await CliAsync("update-sampling-rule", "--sampling-rule-update", """{"RuleName":"checkout","FixedRate":0.0,"ReservoirSize":1}""");
        Assert.Equal(0.0, (double)updated["SamplingRuleRecord"]!["SamplingRule"]!["FixedRate"]!);
        await CliErrorAsync("InvalidRequestException", "update-sampling-rule", "--sampling-rule-update", """{"RuleName":"nothing-here","FixedRate":0.5}""");

        var rules = await CliAsync("get-sampling-rules");
        Assert.Equal(["checkout", "Default"], rules["SamplingRuleRecords"]!.AsArray().Select(r => (string)r!["SamplingRule"]!["RuleName"]!));
        await CliErrorAsync("InvalidRequestException", "get-sampling-rules", "--no-paginate", "--next-token", "bogus");

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var document = $$"""{"RuleName":"checkout","ClientID":"0123456789abcdef01234567","Timestamp":{{now}},"RequestCount":10,"SampledCount":1,"BorrowCount":0}""";
        var targets = await CliAsync("get-sampling-targets", "--sampling-statistics-documents", $"[{document}]");
        Assert.Equal(1, (int)targets["SamplingTargetDocuments"]![0]!["ReservoirQuota"]!);
        await CliErrorAsync("InvalidRequestException", "get-sampling-targets", "--sampling-statistics-documents", "[" + string.Join(',', Enumerable.Repeat(document, 26)) + "]");

        var summaries = await CliAsync("get-sampling-statistic-summaries");
        Assert.Equal(10, (int)summaries["SamplingStatisticSummaries"]![0]!["RequestCount"]!);
        await CliErrorAsync("InvalidRequestException", "get-sampling-statistic-summaries", "--no-paginate", "--next-token", "bogus");

        await CliErrorAsync("InvalidRequestException", "delete-sampling-rule", "--rule-name", "Default");
        var deleted = await CliAsync("delete-sampling-rule", "--rule-arn", $"arn:aws:xray:us-east-1:{_server.AccountId}:sampling-rule/checkout");
        Assert.Equal("checkout", (string)deleted["SamplingRuleRecord"]!["SamplingRule"]!["RuleName"]!);
    }

    private async Task<JsonObject> CliAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", .. arguments]);
        Assert.True(result.ExitCode == 0, $"aws xray {arguments[0]} failed:\n{result.Output}");
        return JsonNode.Parse(result.StandardOutput)!.AsObject();
    }

    private async Task CliErrorAsync(string code, params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", .. arguments]);
        Assert.True(result.ExitCode != 0, $"aws xray {arguments[0]} succeeded:\n{result.Output}");
        Assert.Contains($"({code})", result.StandardError, StringComparison.Ordinal);
    }
}
