using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>X-Ray tagging driven by the real JS SDK and the AWS CLI: the three operations, AWS's limits and errors, and tag-based IAM conditions.</summary>
public sealed class XRayTagsTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>May update groups and sampling rules tagged <c>team=a</c>, and nothing else.</summary>
    private const string TeamAResources = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:UpdateGroup","xray:UpdateSamplingRule"],"Resource":"*",
         "Condition":{"StringEquals":{"aws:ResourceTag/team":"a"}}}]}
        """;

    /// <summary>May set or remove only the tag key <c>team</c>, and create groups and rules only when tagged <c>team=a</c> (and nothing more).</summary>
    private const string TeamKeyOnly = """
        {"Version":"2012-10-17","Statement":[
         {"Effect":"Allow","Action":["xray:TagResource","xray:UntagResource"],"Resource":"*",
          "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}},
         {"Effect":"Allow","Action":["xray:CreateGroup","xray:CreateSamplingRule"],"Resource":"*",
          "Condition":{"StringEquals":{"aws:RequestTag/team":"a"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}
        """;

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_TagsScript_Passes()
    {
        var teamA = _server.CreateUser("team-a", TeamAResources);
        var tagger = _server.CreateUser("tagger", TeamKeyOnly);
        var environment = _server.ClientEnvironment();
        environment["TEAM_A_ACCESS_KEY_ID"] = teamA.AccessKeyId;
        environment["TEAM_A_SECRET_ACCESS_KEY"] = teamA.SecretAccessKey;
        environment["TAGGER_ACCESS_KEY_ID"] = tagger.AccessKeyId;
        environment["TAGGER_SECRET_ACCESS_KEY"] = tagger.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("xray-tags.test.mjs", environment, output);
    }

    [Fact]
    public async Task AwsCli_TagOperations_EachSucceedsAndEachRefusesWhatXRayRefuses()
    {
        var created = await CliAsync("create-group", "--group-name", "cli-tags", "--tags", "Key=team,Value=a");
        var arn = (string)created["Group"]!["GroupARN"]!;

        await CliAsync("tag-resource", "--resource-arn", arn, "--tags", "Key=owner,Value=ops", "Key=team,Value=b");
        var listed = await CliAsync("list-tags-for-resource", "--resource-arn", arn);
        Assert.Equal(["team=b", "owner=ops"], listed["Tags"]!.AsArray().Select(t => $"{t!["Key"]}={t["Value"]}"));
        await CliAsync("untag-resource", "--resource-arn", arn, "--tag-keys", "owner");
        listed = await CliAsync("list-tags-for-resource", "--resource-arn", arn);
        Assert.Equal(["team=b"], listed["Tags"]!.AsArray().Select(t => $"{t!["Key"]}={t["Value"]}"));

        var fifty = Enumerable.Range(0, 50).Select(i => $"Key=k{i},Value=v").ToArray();
        await CliErrorAsync("TooManyTagsException", ["tag-resource", "--resource-arn", arn, "--tags", .. fifty]);
        await CliErrorAsync("InvalidRequestException", "tag-resource", "--resource-arn", arn, "--tags", "Key=aws:owner,Value=x");
        await CliErrorAsync("InvalidRequestException", "untag-resource", "--resource-arn", arn, "--tag-keys", "aws:owner");
        var missing = $"arn:aws:xray:us-east-1:{_server.AccountId}:sampling-rule/missing";
        await CliErrorAsync("ResourceNotFoundException", "tag-resource", "--resource-arn", missing, "--tags", "Key=team,Value=a");
        await CliErrorAsync("ResourceNotFoundException", "untag-resource", "--resource-arn", missing, "--tag-keys", "team");
        await CliErrorAsync("ResourceNotFoundException", "list-tags-for-resource", "--resource-arn", missing);
        listed = await CliAsync("list-tags-for-resource", "--resource-arn", arn);
        Assert.Single(listed["Tags"]!.AsArray());
    }

    private async Task<JsonObject> CliAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", .. arguments]);
        Assert.True(result.ExitCode == 0, $"aws xray {arguments[0]} failed:\n{result.Output}");
        return result.StandardOutput.Length == 0 ? [] : JsonNode.Parse(result.StandardOutput)!.AsObject();
    }

    private async Task CliErrorAsync(string code, params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", .. arguments]);
        Assert.True(result.ExitCode != 0, $"aws xray {arguments[0]} succeeded:\n{result.Output}");
        Assert.Contains($"({code})", result.StandardError, StringComparison.Ordinal);
    }
}
