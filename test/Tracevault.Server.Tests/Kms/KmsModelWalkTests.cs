using System.Text.Json.Nodes;
using Tracevault.Server.Http;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Kms;

/// <summary>
/// The real clients send every operation of KMS's service model, each with the smallest input the model accepts: every one is
/// answered — a success the client reads, or an error the model lists for that operation — and none is unknown to Tracevault.
/// </summary>
public sealed class KmsModelWalkTests(ITestOutputHelper output) : IAsyncLifetime
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

    private static readonly ServiceModel Model =
        ServiceModel.Load(ApiProtocol.Kms) ?? throw new InvalidOperationException("KMS's service model is not in the shared contracts.");

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_EveryOperationOfTheModel_IsAnsweredWithItsOwnShapesOrErrors()
    {
        Assert.Equal(54, Model.Operations.Count);

        var unanswered = await ModelWalk.JavaScriptSdkAsync(
            _server, Model, "kms", operation => Input(operation, () => new JsonObject { ["$blob"] = "eA==" }), Allowed, output);

        Assert.True(unanswered.Count == 0, "Operations not answered as the model says:\n" + string.Join("\n", unanswered));
    }

    [Fact]
    public async Task AwsCli_EveryOperationItKnows_IsAnsweredWithItsOwnShapesOrErrors()
    {
        // Debian 12's awscli 2.9 predates GetKeyLastUsage, DeriveSharedSecret, RotateKeyOnDemand and ListKeyRotations.
        var (walked, unanswered) = await ModelWalk.AwsCliAsync(_server, Model, "kms", operation => Input(operation, null), Allowed, output);

        Assert.True(walked >= 45, $"the AWS CLI knew only {walked} of KMS's operations");
        Assert.True(unanswered.Count == 0, "Operations not answered as the model says:\n" + string.Join("\n", unanswered));
    }

    /// <summary>
    /// The smallest input the model accepts, with the members AWS KMS requires though the model marks them optional (or constrains
    /// them beyond length): the "alias/" prefix, NumberOfBytes, a ciphertext to decrypt, a grant to retire, a principal whose
    /// retirable grants to list, a grantee, and Region names of the model's pattern.
    /// </summary>
    private JsonObject Input(string operation, Func<JsonNode>? blob)
    {
        var input = Model.MinimalInput(operation, () => JsonValue.Create(DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds()), blob);
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

    private static bool Allowed(string operation, string error) =>
        Model.Errors(operation).Concat(CommonErrors).Contains(error)
        || (error == "UnsupportedOperationException" && UnsupportedThoughTheModelDoesNotListIt.Contains(operation));
}
