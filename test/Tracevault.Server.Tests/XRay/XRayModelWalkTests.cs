using System.Text.Json.Nodes;
using Tracevault.Server.Http;
using Tracevault.Server.Tests.Hardening;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>
/// The real clients send every operation of X-Ray's service model, each with the smallest input the model accepts: every one is
/// answered — a success the client reads, or an error the model lists for that operation — and none is unknown to Tracevault.
/// </summary>
public sealed class XRayModelWalkTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Errors any signed X-Ray call may answer besides its own: IAM's refusal.</summary>
    private static readonly string[] CommonErrors = ["AccessDeniedException"];

    private static readonly ServiceModel Model =
        ServiceModel.Load(ApiProtocol.XRay) ?? throw new InvalidOperationException("X-Ray's service model is not in the shared contracts.");

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_EveryOperationOfTheModel_IsAnsweredWithItsOwnShapesOrErrors()
    {
        var unanswered = await ModelWalk.JavaScriptSdkAsync(
            _server, Model, "xray", operation => Model.MinimalInput(operation, () => new JsonObject { ["$date"] = AMinuteAgo() }), Allowed, output);

        Assert.True(unanswered.Count == 0, "Operations not answered as the model says:\n" + string.Join("\n", unanswered));
    }

    [Fact]
    public async Task AwsCli_EveryOperationItKnows_IsAnsweredWithItsOwnShapesOrErrors()
    {
        // Debian 12's awscli 2.9 predates trace retrieval, indexing rules and the segment destination.
        var (walked, unanswered) = await ModelWalk.AwsCliAsync(
            _server, Model, "xray", operation => Model.MinimalInput(operation, () => JsonValue.Create(AMinuteAgo())), Allowed, output);

        Assert.True(walked >= 30, $"the AWS CLI knew only {walked} of X-Ray's operations");
        Assert.True(unanswered.Count == 0, "Operations not answered as the model says:\n" + string.Join("\n", unanswered));
    }

    private static long AMinuteAgo() => DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();

    private static bool Allowed(string operation, string error) => Model.Errors(operation).Concat(CommonErrors).Contains(error);
}
