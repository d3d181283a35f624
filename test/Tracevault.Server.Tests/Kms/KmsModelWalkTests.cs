using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tracevault.Server.Http;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>
/// The real clients send every operation of KMS's service model, each with the smallest input the model accepts: every one is
/// answered — a success the client reads, or an error the model lists for that operation — and none is unknown to Tracevault.
/// </summary>
public sealed partial class KmsModelWalkTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Errors any signed KMS call may answer besides its own: IAM's or the key policy's refusal.</summary>
    private static readonly string[] CommonErrors = ["AccessDeniedException"];

    /// <summary>
    /// Custom key store operations answer UnsupportedOperationException (Tracevault has no CloudHSM cluster or external key store
    /// proxy), as AWS KMS answers what it does not offer, though the model does not list that error for them.
    /// </summary>
    private static readonly HashSet<string> UnsupportedThoughTheModelDoesNotListIt =
    [
        "CreateCustomKeyStore", "ConnectCustomKeyStore", "DeleteCustomKeyStore", "DescribeCustomKeyStores", "DisconnectCustomKeyStore", "UpdateCustomKeyStore",
    ];

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_EveryOperationOfTheModel_IsAnsweredWithItsOwnShapesOrErrors()
    {
        var model = LoadModel();
        Assert.Equal(54, model.Operations.Count);
        var inputs = new JsonObject();
        foreach (var operation in model.Operations)
        {
            inputs[operation] = Input(model, operation, () => new JsonObject { ["$blob"] = "eA==" });
        }

        await NodeClients.EnsureInstalledAsync();
        var environment = _server.ClientEnvironment();
        environment["MODEL_WALK_INPUTS"] = inputs.ToJsonString();
        var result = await ProcessRunner.RunAsync("node", ["kms-model-walk.mjs"], RepositoryPaths.Clients, environment, TimeSpan.FromMinutes(5));
        output.WriteLine(result.Output);
        Assert.True(result.ExitCode == 0, "kms-model-walk.mjs failed:\n" + result.Output);

        var answers = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        Assert.Equal(model.Operations, answers.Select(a => (string)a["operation"]!));
        var unanswered = answers
            .Where(a => a["missing"] is not null || (a["error"] is { } error && !Allowed(model, (string)a["operation"]!, (string)error!)))
            .Select(a => a.ToJsonString())
            .ToList();
        Assert.True(unanswered.Count == 0, "Operations not answered as the model says:\n" + string.Join("\n", unanswered));
    }

    [Fact]
    public async Task AwsCli_EveryOperationItKnows_IsAnsweredWithItsOwnShapesOrErrors()
    {
        var model = LoadModel();
        // The CLI names every command it knows when asked for one it does not.
        var choices = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", "no-such-command");
        var listed = choices.StandardError.Split("valid choices are:", 2) is [_, var names] ? names : "";
        var known = CliCommand().Matches(listed).Select(m => m.Value).ToHashSet();
        var walked = 0;
        var unanswered = new List<string>();
        foreach (var operation in model.Operations)
        {
            if (!known.Contains(CliName(operation)))
            {
                // Debian 12's awscli 2.9 predates GetKeyLastUsage, DeriveSharedSecret, RotateKeyOnDemand and ListKeyRotations;
                // the JavaScript SDK's walk above covers those.
                output.WriteLine($"{operation}: not in this AWS CLI");
                continue;
            }

            walked++;
            var input = Input(model, operation, null).ToJsonString();
            var result = await AwsCli.RunAsync(_server.Endpoint, _server.ClientEnvironment(), "kms", CliName(operation), "--cli-input-json", input);
            if (result.ExitCode == 0)
            {
                Assert.True(result.StandardOutput.Trim().Length == 0 || JsonNode.Parse(result.StandardOutput) is JsonObject, $"{operation}: the CLI printed no JSON object:\n{result.Output}");
                output.WriteLine($"{operation}: success");
                continue;
            }

            var code = ErrorCode().Match(result.StandardError) is { Success: true } match ? match.Groups[1].Value : null;
            output.WriteLine($"{operation}: {code ?? "no error code: " + result.StandardError.Trim()}");
            if (code is null || !Allowed(model, operation, code))
            {
                unanswered.Add($"{operation} ({input}) answered: {result.StandardError.Trim()}");
            }
        }

        Assert.True(walked >= 45, $"the AWS CLI knew only {walked} of KMS's operations:\n{choices.Output}");
        Assert.True(unanswered.Count == 0, "Operations not answered as the model says:\n" + string.Join("\n", unanswered));
    }

    /// <summary>
    /// The smallest input the model accepts, with the members AWS KMS requires though the model marks them optional (or constrains
    /// them beyond length): the "alias/" prefix, NumberOfBytes, a ciphertext to decrypt, a grant to retire, a principal whose
    /// retirable grants to list, a grantee, and Region names of the model's pattern.
    /// </summary>
    private JsonObject Input(ServiceModel model, string operation, Func<JsonNode>? blob)
    {
        var input = model.MinimalInput(operation, () => JsonValue.Create(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()), blob);
        JsonNode Blob() => blob?.Invoke() ?? JsonValue.Create("eA==")!;
        switch (operation)
        {
            case "CreateAlias" or "UpdateAlias" or "DeleteAlias":
                input["AliasName"] = "alias/x";
                break;
            case "GenerateRandom":
                input["NumberOfBytes"] = 1;
                break;
            case "Decrypt" or "ReEncrypt":
                input["CiphertextBlob"] = Blob();
                break;
            case "RetireGrant":
                input["GrantToken"] = "x";
                break;
            case "ListRetirableGrants":
                input["RetiringPrincipal"] = $"arn:aws:iam::{_server.AccountId}:root";
                break;
            case "ReplicateKey":
                input["ReplicaRegion"] = "us-west-2";
                break;
            case "UpdatePrimaryRegion":
                input["PrimaryRegion"] = "us-west-2";
                break;
            case "GetKeyPolicy" or "PutKeyPolicy":
                // Required by the older model of Debian's AWS CLI.
                input["PolicyName"] = "default";
                break;
            case "CreateGrant":
                // One of GranteePrincipal and GranteeServicePrincipal is required; Debian's AWS CLI requires the first.
                input["GranteePrincipal"] = "x";
                break;
        }

        return input;
    }

    private static bool Allowed(ServiceModel model, string operation, string error) =>
        model.Errors(operation).Concat(CommonErrors).Contains(error)
        || (error == "UnsupportedOperationException" && UnsupportedThoughTheModelDoesNotListIt.Contains(operation));

    private static ServiceModel LoadModel() =>
        ServiceModel.Load(ApiProtocol.Kms) ?? throw new InvalidOperationException("KMS's service model is not in the shared contracts.");

    /// <summary>The CLI's name of an operation: <c>GenerateDataKeyWithoutPlaintext</c> → <c>generate-data-key-without-plaintext</c>.</summary>
    private static string CliName(string operation) => CliWordBoundary().Replace(operation, "-$1").ToLowerInvariant();

    [GeneratedRegex(@"(?<=[a-z])([A-Z])")]
    private static partial Regex CliWordBoundary();

    [GeneratedRegex(@"An error occurred \(([A-Za-z]+)\)")]
    private static partial Regex ErrorCode();

    [GeneratedRegex(@"(?<=^|\s)[a-z]+(-[a-z]+)*(?=\s|$)")]
    private static partial Regex CliCommand();
}
