using Tracevault.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Tracevault.Server.Tests.XRay;

/// <summary>GetTimeSeriesServiceStatistics driven by the real JS SDK over a known mix of segments sent across several minutes.</summary>
public sealed class XRayStatisticsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task JavaScriptSdk_StatisticsScript_Passes() =>
        await NodeClients.RunTestScriptAsync("xray-statistics.test.mjs", _server.ClientEnvironment(), output);
}
