using System.Net;
using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Console;

/// <summary>The Sampling rules and Groups pages, and Traces and Service map scoped to a group: in Chromium, and below the browser.</summary>
public sealed class ConsoleSamplingGroupsTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>May read rules, groups, traces and maps, but create or change nothing.</summary>
    private const string ReadOnlyPolicy = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:GetSamplingRules","xray:GetGroups","xray:GetGroup","xray:GetTraceSummaries","xray:GetServiceGraph"],"Resource":"*"}]}
        """;

    /// <summary>May draw the service map of the groups named <c>team-a-…</c> only, as <c>GetServiceGraph</c> with <c>GroupName</c> is authorized.</summary>
    private const string TeamAMapPolicy = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:GetServiceGraph"],"Resource":"arn:aws:xray:*:*:group/team-a-*"}]}
        """;

    private const string Markup = "<img src=x id=injected>";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Browser_SamplingRulesAndGroupsScript_Passes()
    {
        var limited = _server.CreateUser("read-only", ReadOnlyPolicy);
        var screenshots = Path.Combine(RepositoryPaths.TestOutput, "screenshots");
        Directory.CreateDirectory(screenshots);
        var environment = _server.ClientEnvironment();
        environment["LIMITED_ACCESS_KEY_ID"] = limited.AccessKeyId;
        environment["LIMITED_SECRET_ACCESS_KEY"] = limited.SecretAccessKey;
        environment["SCREENSHOTS"] = screenshots;

        await NodeClients.RunTestScriptAsync("console-sampling-groups.test.mjs", environment, output);

        Assert.DoesNotContain(_server.Logs.Lines, m => m.Contains(_server.AdminSecret, StringComparison.Ordinal) || m.Contains(limited.SecretAccessKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SamplingRulesPage_DeleteOfTheDefaultRule_IsRefusedWithTheApiReason()
    {
        using var client = await SignedInAsync();
        var token = await TokenAsync(client, "/console/sampling");
        using var refused = await client.PostFormAsync("/console/sampling/delete", new() { ["csrf"] = token, ["RuleName"] = "Default" });
        var html = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("The Default sampling rule can&#x27;t be deleted", html, StringComparison.Ordinal);
        Assert.Contains("data-rule=\"Default\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SamplingRulesPage_PostWithoutItsCsrfToken_IsRefused_AndNothingIsCreated()
    {
        using var client = await SignedInAsync();
        using var forged = await client.PostFormAsync("/console/sampling/create", RuleForm("forged"));
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);

        var fields = RuleForm("genuine");
        fields["csrf"] = await TokenAsync(client, "/console/sampling");
        using var created = await client.PostFormAsync("/console/sampling/create", fields);
        Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
        Assert.Equal("/console/sampling?done=create&rule=genuine", created.Headers.Location!.OriginalString);

        var rules = await XRayAsync("/GetSamplingRules", "{}");
        Assert.Contains("\"RuleName\":\"genuine\"", rules, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", rules, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GroupsPage_EncodesFilterExpressions()
    {
        await XRayAsync("/CreateGroup", $$"""{"GroupName":"encoded","FilterExpression":"annotation.note = \"{{Markup}}\""}""");
        using var client = await SignedInAsync();
        using var page = await client.GetAsync("/console/groups");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("data-group=\"encoded\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Markup, html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x id=injected&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceMapPage_ScopedToAGroup_IsAuthorizedOnTheGroup_AsGetServiceGraph()
    {
        await XRayAsync("/CreateGroup", """{"GroupName":"team-a-map","FilterExpression":"fault"}""");
        await XRayAsync("/CreateGroup", """{"GroupName":"team-b-map","FilterExpression":"fault"}""");
        var user = _server.CreateUser("team-a", TeamAMapPolicy);
        using var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(user.AccessKeyId, user.SecretAccessKey);

        using var teamA = await client.GetAsync("/console/map?group=team-a-map");
        Assert.Equal(HttpStatusCode.OK, teamA.StatusCode);
        Assert.Contains("of group team-a-map", await teamA.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var teamB = await client.GetAsync("/console/map?group=team-b-map");
        Assert.Equal(HttpStatusCode.Forbidden, teamB.StatusCode);
        Assert.Contains("xray:GetServiceGraph on resource: arn:aws:xray:us-east-1:" + _server.AccountId + ":group/team-b-map/", await teamB.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var whole = await client.GetAsync("/console/map");
        Assert.Equal(HttpStatusCode.Forbidden, whole.StatusCode);
    }

    private static Dictionary<string, string> RuleForm(string name) => new()
    {
        ["RuleName"] = name,
        ["Priority"] = "7",
        ["FixedRate"] = "0.5",
        ["ReservoirSize"] = "1",
        ["ServiceName"] = "*",
        ["ServiceType"] = "*",
        ["Host"] = "*",
        ["HTTPMethod"] = "*",
        ["URLPath"] = "*",
        ["ResourceARN"] = "*",
        ["Attributes"] = "",
        ["BoostMaxRate"] = "",
        ["BoostCooldownWindowMinutes"] = "",
    };

    private async Task<ConsoleHttpClient> SignedInAsync()
    {
        var client = new ConsoleHttpClient(_server.Endpoint);
        using var signedIn = await client.SignInAsync(_server.AdminAccessKeyId, _server.AdminSecret);
        Assert.Equal(HttpStatusCode.SeeOther, signedIn.StatusCode);
        return client;
    }

    private static async Task<string> TokenAsync(ConsoleHttpClient client, string path)
    {
        using var page = await client.GetAsync(path);
        return ConsoleHttpClient.CsrfToken(await page.Content.ReadAsStringAsync());
    }

    private async Task<string> XRayAsync(string path, string json)
    {
        using var api = new SignedHttpClient(_server.Endpoint, _server.AdminAccessKeyId, _server.AdminSecret);
        using var response = await api.XRayAsync(path, SignedHttpClient.Json(json));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return body;
    }
}
