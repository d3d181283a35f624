using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>X-Ray resource policies driven by the real JS SDK: the three operations with every error, and a user of another account sending segments in.</summary>
public sealed class XRayResourcePolicyTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>What the sender of account B may do by its own account's IAM policies: send segments (anywhere) and read its own traces.</summary>
    private const string SenderPolicy = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:PutTraceSegments","xray:BatchGetTraces"],"Resource":"*"}]}
        """;

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_ResourcePoliciesScript_Passes()
    {
        var identity = _server.Server.Data.Identity;
        var accountB = identity.CreateAccount();
        var sender = identity.CreateUser(accountB.Id, "sender", [SenderPolicy]);
        var environment = _server.ClientEnvironment();
        environment["ADMIN_ARN"] = _server.Server.InitializedAdmin!.User.Arn;
        environment["SENDER_ACCOUNT"] = accountB.Id;
        environment["SENDER_ARN"] = sender.User.Arn;
        environment["SENDER_ACCESS_KEY_ID"] = sender.AccessKeyId;
        environment["SENDER_SECRET_ACCESS_KEY"] = sender.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("xray-resource-policies.test.mjs", environment, output);
    }
}
