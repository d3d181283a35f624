using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>X-Ray groups driven by the real JS SDK: CRUD, errors, limits, per-group authorization, and groups scoping queries.</summary>
public sealed class XRayGroupsTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Groups whose names start with <c>team-a-</c> only, by ARN; nothing else.</summary>
    private const string TeamAGroups = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:GetGroup","xray:UpdateGroup","xray:DeleteGroup"],
         "Resource":"arn:aws:xray:*:*:group/team-a-*/*"}]}
        """;

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_GroupsScript_Passes()
    {
        var limited = _server.CreateUser("team-a", TeamAGroups);
        var environment = _server.ClientEnvironment();
        environment["LIMITED_ACCESS_KEY_ID"] = limited.AccessKeyId;
        environment["LIMITED_SECRET_ACCESS_KEY"] = limited.SecretAccessKey;

        await NodeClients.RunTestScriptAsync("xray-groups.test.mjs", environment, output);
    }
}
