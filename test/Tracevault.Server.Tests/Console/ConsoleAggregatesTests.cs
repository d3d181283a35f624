using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.Console;

/// <summary>The console's aggregates in headless Chromium: the service map of every trace of a range from the kept statistics, linked to the Traces page.</summary>
public sealed class ConsoleAggregatesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Browser_AggregatesScript_Passes()
    {
        var screenshots = Path.Combine(RepositoryPaths.TestOutput, "screenshots");
        Directory.CreateDirectory(screenshots);
        var environment = _server.ClientEnvironment();
        environment["SCREENSHOTS"] = screenshots;

        await NodeClients.RunTestScriptAsync("console-aggregates.test.mjs", environment, output);
    }
}
