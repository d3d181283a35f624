using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tracevault.Server.Http;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>
/// The real clients send every operation of X-Ray's service model, each with the smallest input the model accepts: every one is
/// answered — a success the client reads, or an error the model lists for that operation — and none is unknown to Tracevault.
/// </summary>
public sealed partial class XRayModelWalkTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Errors any signed X-Ray call may answer besides its own: IAM's refusal.</summary>
    private static readonly string[] CommonErrors = ["AccessDeniedException"];

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_EveryOperationOfTheModel_IsAnsweredWithItsOwnShapesOrErrors()
    {
        var model = LoadModel();
        var inputs = new JsonObject();
        foreach (var operation in model.Operations)
        {
            inputs[operation] = model.MinimalInput(operation, () => new JsonObject { ["$date"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds() });
        }

        await NodeClients.EnsureInstalledAsync();
        var environment = _server.ClientEnvironment();
        environment["MODEL_WALK_INPUTS"] = inputs.ToJsonString();
        var result = await ProcessRunner.RunAsync("node", ["xray-model-walk.mjs"], RepositoryPaths.Clients, environment, TimeSpan.FromMinutes(5));
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, "xray-model-walk.mjs failed:\n" + result.Output);

        var answers = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        Assert.Equal(model.Operations, answers.Select(a => (string)a["operation"]!));
        var unanswered = answers
            .Where(a => a["missing"] is not null
                || (a["error"] is { } error && !model.Errors((string)a["operation"]!).Concat(CommonErrors).Contains((string)error!)))
            .Select(a => a.ToJsonString())
            .ToList();
        Assert.True(unanswered.Count == 0, "Operations not answered as the model says:\n" + string.Join("\n", unanswered));
    }

    [Fact]
    public async Task AwsCli_EveryOperationItKnows_IsAnsweredWithItsOwnShapesOrErrors()
    {
        var model = LoadModel();
        // The CLI names every command it knows when asked for one it does not.
        var choices = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "xray", "no-such-command");
        var listed = choices.StandardError.Split("valid choices are:", 2) is [_, var names] ? names : "";
        var known = CliCommand().Matches(listed).Select(m => m.Value).ToHashSet();
        var walked = 0;
        var unanswered = new List<string>();
        foreach (var operation in model.Operations)
        {
            if (!known.Contains(CliName(operation)))
            {
                // An older CLI (Debian 12's awscli 2.9) predates trace retrieval, indexing rules and the segment destination;
                // the JavaScript SDK's walk above covers those.
                output.WriteLine($"{operation}: not in this AWS CLI");
                continue;
            }

            walked++;
            var input = model.MinimalInput(operation, () => JsonValue.Create(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds())).ToJsonString();
            var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "xray", CliName(operation), "--cli-input-json", input);
            if (result.ExitCode == 0)
            {
                Assert.True(result.StandardOutput.Trim().Length == 0 || JsonNode.Parse(result.StandardOutput) is JsonObject, $"{operation}: the CLI printed no JSON object:\n{result.Output}");
                output.WriteLine($"{operation}: success");
                continue;
            }

            var code = ErrorCode().Match(result.StandardError) is { Success: true } match ? match.Groups[1].Value : null;
            output.WriteLine($"{operation}: {code ?? "no error code"}");
            if (code is null || !model.Errors(operation).Concat(CommonErrors).Contains(code))
            {
                unanswered.Add($"{operation} ({input}) answered: {result.StandardError.Trim()}");
            }
        }

        Assert.True(walked >= 30, $"the AWS CLI knew only {walked} of X-Ray's operations:\n{choices.Output}");
        Assert.True(unanswered.Count == 0, "Operations not answered as the model says:\n" + string.Join("\n", unanswered));
    }

    private static ServiceModel LoadModel() =>
        ServiceModel.Load(ApiProtocol.XRay) ?? throw new InvalidOperationException("X-Ray's service model is not in the shared contracts.");

    /// <summary>The CLI's name of an operation: <c>GetTimeSeriesServiceStatistics</c> → <c>get-time-series-service-statistics</c>.</summary>
    private static string CliName(string operation) => CliWordBoundary().Replace(operation, "-$1").ToLowerInvariant();

    [GeneratedRegex(@"(?<=[a-z])([A-Z])")]
    private static partial Regex CliWordBoundary();

    [GeneratedRegex(@"An error occurred \(([A-Za-z]+)\)")]
    private static partial Regex ErrorCode();

    [GeneratedRegex(@"[a-z]+(-[a-z]+)+")]
    private static partial Regex CliCommand();
}
