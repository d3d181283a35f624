using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Tracevault.Server.Tests.Infrastructure;

namespace Tracevault.Server.Tests.XRay;

/// <summary>The AWS CLI drives each resource policy operation, and another account's CLI sends segments in by its endpoint URL alone.</summary>
public sealed class XRayResourcePolicyCliTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task ResourcePolicyOperations_EachSucceedsAndRefusesWhatXRayRefuses_AndGovernAnotherAccountsCli()
    {
        var identity = _server.Server.Data.Identity;
        var accountB = identity.CreateAccount();
        var sender = identity.CreateUser(accountB.Id, "cli-sender", ["""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"xray:PutTraceSegments","Resource":"*"}]}"""]);
        var senderEnvironment = _server.ClientEnvironment();
        senderEnvironment["AWS_ACCESS_KEY_ID"] = sender.AccessKeyId;
        senderEnvironment["AWS_SECRET_ACCESS_KEY"] = sender.SecretAccessKey;
        var intoA = $"{_server.Endpoint}/accounts/{_server.AccountId}";
        var document = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"{{sender.User.Arn}}"},"Action":"xray:PutTraceSegments","Resource":"*"}]}""";

        var refused = await AwsCli.RunAsync(intoA, senderEnvironment, "xray", "put-trace-segments", "--trace-segment-documents", Segment());
        Assert.True(refused.ExitCode != 0, refused.Output);
        Assert.Contains("(AccessDeniedException)", refused.StandardError, StringComparison.Ordinal);

        var put = await CliAsync("put-resource-policy", "--policy-name", "cli-sender", "--policy-document", document);
        Assert.Equal("1", (string)put["ResourcePolicy"]!["PolicyRevisionId"]!);
        await CliErrorAsync("MalformedPolicyDocumentException", "put-resource-policy", "--policy-name", "bad", "--policy-document", "{}");
        await CliErrorAsync("InvalidPolicyRevisionIdException", "put-resource-policy", "--policy-name", "cli-sender", "--policy-document", document, "--policy-revision-id", "0");

        var listed = await CliAsync("list-resource-policies");
        Assert.Equal(document, (string)listed["ResourcePolicies"]![0]!["PolicyDocument"]!);
        await CliErrorAsync("InvalidRequestException", "list-resource-policies", "--no-paginate", "--next-token", "bogus");

        var sent = await AwsCli.RunAsync(intoA, senderEnvironment, "xray", "put-trace-segments", "--trace-segment-documents", Segment());
        Assert.True(sent.ExitCode == 0, sent.Output);
        Assert.Empty(JsonNode.Parse(sent.StandardOutput)!["UnprocessedTraceSegments"]!.AsArray());

        await CliErrorAsync("InvalidPolicyRevisionIdException", "delete-resource-policy", "--policy-name", "cli-sender", "--policy-revision-id", "5");
        await CliAsync("delete-resource-policy", "--policy-name", "cli-sender", "--policy-revision-id", "1");
        var again = await AwsCli.RunAsync(intoA, senderEnvironment, "xray", "put-trace-segments", "--trace-segment-documents", Segment());
        Assert.Contains("(AccessDeniedException)", again.StandardError, StringComparison.Ordinal);
    }

    private static string Segment()
    {
        var now = DateTimeOffset.UtcNow;
        var trace = $"1-{now.ToUnixTimeSeconds():x8}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}";
        var seconds = now.ToUnixTimeMilliseconds() / 1000.0;
        return string.Create(CultureInfo.InvariantCulture,
            $$"""{"name":"cli-sender","id":"{{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}}","trace_id":"{{trace}}","start_time":{{seconds - 0.5}},"end_time":{{seconds}}}""");
    }

    private async Task<JsonObject> CliAsync(params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", .. arguments]);
        Assert.True(result.ExitCode == 0, $"aws xray {arguments[0]} failed:\n{result.Output}");
        return result.StandardOutput.Trim().Length == 0 ? [] : JsonNode.Parse(result.StandardOutput)!.AsObject();
    }

    private async Task CliErrorAsync(string code, params string[] arguments)
    {
        var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), ["xray", .. arguments]);
        Assert.True(result.ExitCode != 0, $"aws xray {arguments[0]} succeeded:\n{result.Output}");
        Assert.Contains($"({code})", result.StandardError, StringComparison.Ordinal);
    }
}
