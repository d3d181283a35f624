using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Console;

/// <summary>
/// The console as an investigation tool, in headless Chromium and with the AWS SDK for JavaScript: a nested, collapsible timeline of
/// three services, the trace-id box, partial answers when a key cannot be used, the time range kept between pages, and layouts at
/// 1024 and 1400 px.
/// </summary>
public sealed class ConsoleInvestigationTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>May use every X-Ray operation, but has no KMS permission: no kms:Decrypt on a customer key.</summary>
    private const string XRayOnlyPolicy = """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["xray:*"],"Resource":"*"}]}""";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Browser_InvestigationScript_Passes()
    {
        var xrayOnly = _server.CreateUser("xray-only", XRayOnlyPolicy);
        var screenshots = Path.Combine(RepositoryPaths.TestOutput, "screenshots");
        Directory.CreateDirectory(screenshots);

        var environment = _server.ClientEnvironment();
        environment["XRAYONLY_ACCESS_KEY_ID"] = xrayOnly.AccessKeyId;
        environment["XRAYONLY_SECRET_ACCESS_KEY"] = xrayOnly.SecretAccessKey;
        environment["SCREENSHOTS"] = screenshots;

        await NodeClients.RunTestScriptAsync("console-investigation.test.mjs", environment, output);

        Assert.DoesNotContain(_server.Logs.Lines, m => m.Contains(_server.AdminSecret, StringComparison.Ordinal) || m.Contains(xrayOnly.SecretAccessKey, StringComparison.Ordinal));
    }
}
