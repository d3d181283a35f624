using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tracevault.Server.Tests.Hardening;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Infrastructure;

/// <summary>
/// Sends every operation of a service model to a test server with a real client (the JavaScript SDK through
/// <c>test/clients/model-walk.mjs</c>, or the AWS CLI) and answers those not answered as the model says: neither a success
/// the client reads nor an error the caller allows for that operation (its test of operation and error code).
/// </summary>
public static partial class ModelWalk
{
    /// <summary>The JavaScript SDK sends each operation with its input; answers the operations not answered as the model says.</summary>
    /// <remarks><c>service</c> is named as <c>model-walk.mjs</c> and the CLI name it: <c>xray</c> or <c>kms</c>.</remarks>
    public static async Task<IReadOnlyList<string>> JavaScriptSdkAsync(
        TestServer server, ServiceModel model, string service, Func<string, JsonObject> input, Func<string, string, bool> allowed, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(output);
        var inputs = new JsonObject();
        foreach (var operation in model.Operations)
        {
            inputs[operation] = input(operation);
        }

        await NodeClients.EnsureInstalledAsync();
        var environment = server.ClientEnvironment();
        environment["MODEL_WALK_SERVICE"] = service;
        environment["MODEL_WALK_INPUTS"] = inputs.ToJsonString();
        var result = await ProcessRunner.RunAsync("node", ["model-walk.mjs"], RepositoryPaths.Clients, environment, TimeSpan.FromMinutes(5));
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, "model-walk.mjs failed:\n" + result.Output);

        var answers = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        Assert.Equal(model.Operations, answers.Select(a => (string)a["operation"]!));
        return [.. answers
            .Where(a => a["missing"] is not null || (a["error"] is { } error && !allowed((string)a["operation"]!, (string)error!)))
            .Select(a => a.ToJsonString())];
    }

    /// <summary>The AWS CLI sends each operation it knows with its input; answers how many it sent and those not answered as the model says.</summary>
    public static async Task<(int Walked, IReadOnlyList<string> Unanswered)> AwsCliAsync(
        TestServer server, ServiceModel model, string service, Func<string, JsonObject> input, Func<string, string, bool> allowed, ITestOutputHelper output)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentNullException.ThrowIfNull(output);

        // The CLI names every command it knows when asked for one it does not.
        var choices = await AwsCli.RunAsync(server.Endpoint, server.ClientEnvironment(), service, "no-such-command");
        var listed = choices.StandardError.Split("valid choices are:", 2) is [_, var names] ? names : "";
        var known = CliCommand().Matches(listed).Select(m => m.Value).ToHashSet();
        var walked = 0;
        var unanswered = new List<string>();
        foreach (var operation in model.Operations)
        {
            if (!known.Contains(CliName(operation)))
            {
                // An older CLI (Debian 12's awscli 2.9) predates some operations; the JavaScript SDK's walk covers those.
                output.WriteLine($"{operation}: not in this AWS CLI");
                continue;
            }

            walked++;
            var body = input(operation).ToJsonString();
            var result = await AwsCli.RunAsync(server.Endpoint, server.ClientEnvironment(), service, CliName(operation), "--cli-input-json", body);
            if (result.ExitCode == 0)
            {
                Assert.True(result.StandardOutput.Trim().Length == 0 || JsonNode.Parse(result.StandardOutput) is JsonObject, $"{operation}: the CLI printed no JSON object:\n{result.Output}");
                output.WriteLine($"{operation}: success");
                continue;
            }

            var code = ErrorCode().Match(result.StandardError) is { Success: true } match ? match.Groups[1].Value : null;
            output.WriteLine($"{operation}: {code ?? "no error code: " + result.StandardError.Trim()}");
            if (code is null || !allowed(operation, code))
            {
                unanswered.Add($"{operation} ({body}) answered: {result.StandardError.Trim()}");
            }
        }

        if (walked == 0)
        {
            output.WriteLine(choices.Output);
        }

        return (walked, unanswered);
    }

    /// <summary>The CLI's name of an operation: <c>GetTimeSeriesServiceStatistics</c> → <c>get-time-series-service-statistics</c>.</summary>
    private static string CliName(string operation) => CliWordBoundary().Replace(operation, "-$1").ToLowerInvariant();

    [GeneratedRegex(@"(?<=[a-z])([A-Z])")]
    private static partial Regex CliWordBoundary();

    [GeneratedRegex(@"An error occurred \(([A-Za-z]+)\)")]
    private static partial Regex ErrorCode();

    [GeneratedRegex(@"[a-z]+(-[a-z]+)+")]
    private static partial Regex CliCommand();
}
